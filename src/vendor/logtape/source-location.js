//#region src/source-location.ts
/**
* The prefix of each frame in V8 and JavaScriptCore (Bun) stack traces.
*/
const v8FramePrefix = "    at ";
/**
* Matches a file that starts with a URL scheme (e.g., `file:`, `http:`,
* `node:`, or a Windows drive letter), a slash, or a UNC prefix.
*/
const absoluteFilePattern = /^(?:[A-Za-z][A-Za-z0-9+.-]*:|\/|\\\\)/;
/**
* Matches a `file:line:column` location.
*/
const locationPattern = /^(.+):(\d+):(\d+)$/;
/**
* Marks a location that matched the grammar but must not be reported.
*/
const rejected = Symbol("rejected");
/**
* Parses the source location of a frame from the stack trace of an `Error`
* that was constructed without a message.
*
* The parser is deliberately conservative: whenever the frame could be read
* in more than one way, or it does not point to a position in a source file
* (native code, `eval()`, bytecode offsets), it returns `undefined` rather
* than a possibly wrong location.  It never throws.
*
* @param stack The `stack` property of an `Error` constructed without
*              a message.
* @param frameIndex The zero-based index of the frame to parse, where `0`
*                   is the function that constructed the `Error`.
* @returns The source location of the frame, or `undefined` if it could not
*          be determined unambiguously.
*/
function parseSourceLocation(stack, frameIndex) {
	if (typeof stack !== "string") return void 0;
	const lines = stack.split("\n");
	if (lines[0].trim() === "Error") {
		if (lines.length < 2 || !lines[1].startsWith(v8FramePrefix)) return void 0;
		return parseV8Frame(lines[frameIndex + 1]);
	}
	if (lines[0] === "" || /^\s/.test(lines[0])) return void 0;
	return parseSpiderMonkeyFrame(lines[frameIndex]);
}
function parseV8Frame(frame) {
	if (frame == null || !frame.startsWith(v8FramePrefix)) return void 0;
	const body = frame.slice(v8FramePrefix.length);
	if (body.includes("eval at ")) return void 0;
	if (!body.endsWith(")")) return accept(parseLocation(body.startsWith("async ") ? body.slice(6) : body));
	let found;
	for (let i = body.indexOf(" ("); i >= 0; i = body.indexOf(" (", i + 1)) {
		const location = parseLocation(body.slice(i + 2, -1));
		if (location === rejected) return void 0;
		if (location == null) continue;
		if (found != null) return void 0;
		found = location;
	}
	return found;
}
function parseSpiderMonkeyFrame(frame) {
	if (frame == null) return void 0;
	const whole = parseLocation(frame);
	if (whole === rejected) return void 0;
	if (whole != null && absoluteFilePattern.test(whole.file)) return void 0;
	let found;
	for (let i = frame.indexOf("@"); i >= 0; i = frame.indexOf("@", i + 1)) {
		const location = parseLocation(frame.slice(i + 1));
		if (location === rejected) return void 0;
		if (location == null || !absoluteFilePattern.test(location.file)) continue;
		if (found != null) return void 0;
		found = location;
	}
	return found;
}
function accept(location) {
	return location === rejected ? void 0 : location;
}
function parseLocation(location) {
	const match = locationPattern.exec(location);
	if (match == null) return void 0;
	const file = match[1];
	const line = Number(match[2]);
	const column = Number(match[3]);
	if (file === "native" || file === "<anonymous>" || file === "[native code]" || file.includes("address at ") || file.includes("eval at ") || file.includes(" > eval") || file.includes(" > Function") || line < 1 || column < 1) return rejected;
	return {
		file,
		line,
		column
	};
}

//#endregion
export { parseSourceLocation };
