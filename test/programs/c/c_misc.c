// Clocks, sleeping, randomness, arguments and the environment from C through WASI; `trap` as the first
// argument ends in a trap, `exit N` exits with N.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <poll.h>

static int failures;
#define CHECK(cond, what) do { if (!(cond)) { failures++; printf("c_misc: FAIL %s\n", what); } } while (0)

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "trap")) __builtin_trap();
  if (argc > 2 && !strcmp(argv[1], "exit")) return atoi(argv[2]);
  struct timespec a, b, r;
  CHECK(clock_getres(CLOCK_MONOTONIC, &r) == 0 && (r.tv_sec > 0 || r.tv_nsec > 0), "clock_getres");
  CHECK(clock_gettime(CLOCK_REALTIME, &a) == 0 && a.tv_sec > 1600000000, "realtime is the wall clock");
  clock_gettime(CLOCK_MONOTONIC, &a);
  struct timespec d = { 0, 20 * 1000 * 1000 };
  nanosleep(&d, NULL);
  clock_gettime(CLOCK_MONOTONIC, &b);
  long long ns = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
  CHECK(ns >= 20000000LL, "nanosleep sleeps");
  CHECK(poll(NULL, 0, 10) == 0, "poll with only a timeout");
  unsigned char r1[16], r2[16];
  arc4random_buf(r1, sizeof r1); arc4random_buf(r2, sizeof r2);
  CHECK(memcmp(r1, r2, sizeof r1) != 0, "random bytes differ");
  CHECK(getenv("COSIX") && !strcmp(getenv("COSIX"), "yes"), "environment");
  CHECK(argc == 1 || argc >= 2, "arguments");
  if (!failures) printf("c_misc: ok\n");
  return failures ? 1 : 0;
}
