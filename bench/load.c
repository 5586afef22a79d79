// A light libvirt RPC load client for bench/light_load.ts: one thread, epoll,
// N Unix-socket connections each keeping one call in flight (a closed loop),
// calls encoded once up front, so that what is measured is the daemon.
//
// usage: load SOCKET CLIENTS SECONDS version|mix|idle [SERVER_PID]
//   version  CONNECT_GET_LIB_VERSION over and over
//   mix      getLibVersion, DOMAIN_LOOKUP_BY_NAME "test", DOMAIN_GET_INFO,
//            DOMAIN_GET_XML_DESC, CONNECT_LIST_ALL_DOMAINS in turn
//   idle     open the connections, print {"ready":N}, hold them SECONDS, then
//            call getLibVersion once on each and print how many answered
// Every connection first opens test:///default. Prints one JSON line:
// calls, calls_per_s, p50_us, p99_us, server_cpu_us_per_call (all of the
// server's threads, from /proc/PID/stat), client_cpu_us_per_call, errors.
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define REMOTE_PROGRAM 0x20008086u
#define PROC_CONNECT_OPEN 1
#define PROC_DOMAIN_GET_XML_DESC 14
#define PROC_DOMAIN_GET_INFO 16
#define PROC_DOMAIN_LOOKUP_BY_NAME 23
#define PROC_CONNECT_GET_LIB_VERSION 157
#define PROC_CONNECT_LIST_ALL_DOMAINS 273
#define MAX_SAMPLES 4000000

typedef struct {
  int fd;
  int step;          // position in the mix
  uint32_t serial;
  int opened;        // CONNECT_OPEN answered
  uint8_t dom[64];   // remote_nonnull_domain from the lookup reply
  int domlen;
  uint8_t in[1 << 17];
  int have;
  double sent;
} conn;

static double mono(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

// An XDR string at p; returns its encoded length.
static int xstr(uint8_t *p, const char *s) {
  int n = (int)strlen(s);
  be32(p, (uint32_t)n);
  memcpy(p + 4, s, (size_t)n);
  int pad = (4 - n % 4) % 4;
  memset(p + 4 + n, 0, (size_t)pad);
  return 4 + n + pad;
}

static void put_all(int fd, const uint8_t *b, int n) {
  while (n > 0) {
    ssize_t w = write(fd, b, (size_t)n);
    if (w < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      perror("write");
      exit(1);
    }
    b += w;
    n -= (int)w;
  }
}

static void call(conn *c, uint32_t proc, const uint8_t *args, int alen) {
  uint8_t b[512];
  int n = 28 + alen;
  be32(b, (uint32_t)n);
  be32(b + 4, REMOTE_PROGRAM);
  be32(b + 8, 1);
  be32(b + 12, proc);
  be32(b + 16, 0);  // VIR_NET_CALL
  be32(b + 20, c->serial++);
  be32(b + 24, 0);  // VIR_NET_OK
  memcpy(b + 28, args, (size_t)alen);
  c->sent = mono();
  put_all(c->fd, b, n);
}

static int mix_mode, idle_mode;

// The next call of this connection.
static void next_call(conn *c) {
  uint8_t a[256] = {0};
  int n = 0;
  if (!c->opened) {
    a[0] = 0, a[1] = 0, a[2] = 0, a[3] = 1;  // remote_string: present
    n = 4 + xstr(a + 4, "test:///default");
    be32(a + n, 0);
    call(c, PROC_CONNECT_OPEN, a, n + 4);
    return;
  }
  if (!mix_mode) {
    call(c, PROC_CONNECT_GET_LIB_VERSION, a, 0);
    return;
  }
  switch (c->step++ % 5) {
    case 0:
      call(c, PROC_CONNECT_GET_LIB_VERSION, a, 0);
      break;
    case 1:
      n = xstr(a, "test");
      call(c, PROC_DOMAIN_LOOKUP_BY_NAME, a, n);
      break;
    case 2:
      call(c, PROC_DOMAIN_GET_INFO, c->dom, c->domlen);
      break;
    case 3:
      memcpy(a, c->dom, (size_t)c->domlen);
      be32(a + c->domlen, 0);
      call(c, PROC_DOMAIN_GET_XML_DESC, a, c->domlen + 4);
      break;
    default:
      be32(a, 1);  // need_results
      be32(a + 4, 0);
      call(c, PROC_CONNECT_LIST_ALL_DOMAINS, a, 8);
  }
}

static double cpu_of(int pid) {
  if (pid <= 0) return 0;
  char path[64], buf[2048];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char *p = strrchr(buf, ')');
  if (!p) return 0;
  unsigned long ut = 0, st = 0;
  // Fields after the command: state(3) … utime(14) stime(15).
  sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st);
  return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s SOCKET CLIENTS SECONDS version|mix [SERVER_PID]\n", argv[0]);
    return 2;
  }
  const char *path = argv[1];
  int nc = atoi(argv[2]);
  double secs = atof(argv[3]);
  mix_mode = strcmp(argv[4], "mix") == 0;
  idle_mode = strcmp(argv[4], "idle") == 0;
  int pid = argc > 5 ? atoi(argv[5]) : 0;
  struct rlimit rl = {65536, 65536};
  setrlimit(RLIMIT_NOFILE, &rl);
  int ep = epoll_create1(0);
  conn *cs = calloc((size_t)nc, sizeof(conn));
  for (int i = 0; i < nc; i++) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    strncpy(sa.sun_path, path, sizeof sa.sun_path - 1);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
      perror("connect");
      return 1;
    }
    cs[i].fd = fd;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &cs[i]};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    next_call(&cs[i]);
  }
  double *lat = malloc(sizeof(double) * MAX_SAMPLES);
  long calls = 0, samples = 0, errors = 0;
  int measuring = 0;
  double t0 = 0, cpu0 = 0, end = mono() + 3600;
  struct rusage ru0;
  int opened = 0;
  struct epoll_event evs[256];
  while (mono() < end) {
    int k = epoll_wait(ep, evs, 256, 1000);
    for (int e = 0; e < k; e++) {
      conn *c = evs[e].data.ptr;
      ssize_t r = read(c->fd, c->in + c->have, sizeof c->in - (size_t)c->have);
      if (r <= 0) {
        fprintf(stderr, "connection closed by the server\n");
        return 1;
      }
      c->have += (int)r;
      while (c->have >= 4) {
        int len = (int)rd32(c->in);
        if (c->have < len) break;
        double now = mono();
        uint32_t proc = rd32(c->in + 12), status = rd32(c->in + 24);
        if (status != 0) errors++;
        if (idle_mode) {
          if (proc == PROC_CONNECT_OPEN) {
            c->opened = 1;
            if (++opened == nc) {
              printf("{\"ready\":%d}\n", nc);
              fflush(stdout);
              sleep((unsigned)secs);
              for (int i = 0; i < nc; i++) next_call(&cs[i]);
            }
          } else if (++calls == nc) {
            printf("{\"answered\":%ld,\"errors\":%ld}\n", calls, errors);
            return 0;
          }
          memmove(c->in, c->in + len, (size_t)(c->have - len));
          c->have -= len;
          continue;
        }
        if (proc == PROC_CONNECT_OPEN) {
          c->opened = 1;
          if (++opened == nc) {
            // Everyone connected: measure from here.
            measuring = 1;
            t0 = now;
            end = now + secs;
            cpu0 = cpu_of(pid);
            getrusage(RUSAGE_SELF, &ru0);
          }
        } else if (proc == PROC_DOMAIN_LOOKUP_BY_NAME && status == 0) {
          c->domlen = len - 28 < 64 ? len - 28 : 64;
          memcpy(c->dom, c->in + 28, (size_t)c->domlen);
        }
        if (measuring && proc != PROC_CONNECT_OPEN) {
          calls++;
          if (samples < MAX_SAMPLES) lat[samples++] = (now - c->sent) * 1e6;
        }
        memmove(c->in, c->in + len, (size_t)(c->have - len));
        c->have -= len;
        if (c->opened) next_call(c);
      }
    }
  }
  double t1 = mono(), cpu1 = cpu_of(pid);
  struct rusage ru1;
  getrusage(RUSAGE_SELF, &ru1);
  qsort(lat, (size_t)samples, sizeof(double), cmp_double);
  double client = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec + ru1.ru_stime.tv_sec -
                           ru0.ru_stime.tv_sec) +
                  (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec + ru1.ru_stime.tv_usec -
                           ru0.ru_stime.tv_usec) / 1e6;
  printf(
      "{\"calls\":%ld,\"calls_per_s\":%.0f,\"p50_us\":%.1f,\"p99_us\":%.1f,"
      "\"server_cpu_us_per_call\":%.1f,\"client_cpu_us_per_call\":%.1f,\"errors\":%ld}\n",
      calls, (double)calls / (t1 - t0), samples ? lat[samples / 2] : 0,
      samples ? lat[samples * 99 / 100] : 0, calls ? (cpu1 - cpu0) * 1e6 / (double)calls : 0,
      calls ? client * 1e6 / (double)calls : 0, errors);
  return 0;
}
