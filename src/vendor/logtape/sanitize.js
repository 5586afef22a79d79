//#region src/sanitize.ts
/**
* The escape sequence emitted in place of a neutralized character.
*/
function escapeChar(charCode) {
	if (charCode === 10) return "\\n";
	if (charCode === 13) return "\\r";
	if (charCode === 27) return "\\x1b";
	return `\\x${charCode.toString(16).padStart(2, "0")}`;
}
/**
* Whether a character needs escaping on its own, ignoring ESC, which is
* handled separately because it may introduce a sequence worth preserving.
*/
function isDangerous(charCode, escapeNewlines) {
	if (charCode === 9) return false;
	if (charCode === 10 || charCode === 13) return escapeNewlines;
	if (charCode < 32 || charCode === 127) return true;
	return charCode >= 128 && charCode <= 159;
}
/**
* Matches an SGR sequence anchored at the current position: CSI, its
* parameter bytes, then the final byte `m`.
*/
const sgrPattern = /^\x1b\[([0-9;:]*)m/;
/**
* The SGR sequence that clears every attribute.
*/
const sgrReset = "\x1B[0m";
/**
* Escapes control characters and ANSI escape sequences that would otherwise be
* interpreted by a terminal or by a line-oriented log reader.
*
* A preserved SGR sequence that is left open is closed with `` `\x1b[0m` `` at
* the end of the text, so that styling an attacker sets cannot carry over into
* whatever is printed next.
*
* ESC itself is escaped rather than the whole sequence it introduces: once the
* introducer is gone, the remaining bytes (`` `[2J` ``, for instance) render as
* ordinary text, so no sequence needs to be parsed to its end.  The 8-bit C1
* introducers (U+0080–U+009F) are escaped unconditionally, since none of them
* is printable and each is a single code point with no sequence to inspect.
*
* @param text The text to neutralize.
* @param options Which classes of characters to preserve.
* @returns The neutralized text.
* @since 2.0.23
*/
function sanitizeControlSequences(text, options = {}) {
	const preserveSgr = options.sgr !== "escape";
	const escapeNewlines = options.newlines === "escape";
	let needsWork = false;
	for (let i$1 = 0; i$1 < text.length; i$1++) {
		const charCode = text.charCodeAt(i$1);
		if (charCode === 27 || isDangerous(charCode, escapeNewlines)) {
			needsWork = true;
			break;
		}
	}
	if (!needsWork) return text;
	let result = "";
	let i = 0;
	let sgrOpen = false;
	while (i < text.length) {
		const charCode = text.charCodeAt(i);
		if (charCode === 27) {
			if (preserveSgr) {
				const sgr = sgrPattern.exec(text.slice(i));
				if (sgr != null) {
					result += sgr[0];
					sgrOpen = !isSgrReset(sgr[1]);
					i += sgr[0].length;
					continue;
				}
			}
			result += escapeChar(27);
			i++;
		} else if (isDangerous(charCode, escapeNewlines)) {
			result += escapeChar(charCode);
			i++;
		} else {
			result += text[i];
			i++;
		}
	}
	return sgrOpen ? result + sgrReset : result;
}
/**
* Whether an SGR sequence's parameters clear every attribute rather than set
* one.  `` `\x1b[m` ``, `` `\x1b[0m` ``, and `` `\x1b[0;0m` `` all do.
*/
function isSgrReset(parameters) {
	return /^0*$/.test(parameters.replace(/[;:]/g, ""));
}
/**
* Builds the sanitizer a formatter applies to its message and category parts.
*
* @param options `false` to disable sanitization entirely, or the classes of
*                characters to preserve.
* @returns A function that neutralizes a string, or `null` when sanitization
*          is disabled.
* @since 2.0.23
*/
function getSanitizer(options) {
	if (options === false) return null;
	const resolved = options ?? {};
	return (text) => sanitizeControlSequences(text, resolved);
}

//#endregion
export { getSanitizer, sanitizeControlSequences };
