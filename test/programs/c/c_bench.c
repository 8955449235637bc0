// Benchmark program: `hash N` runs N million rounds of an FNV-1a style hash (CPU only, no syscalls) and
// prints the result; `write N` writes N MiB to stdout in 64 KiB writes.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: c_bench hash|write N\n"); return 2; }
  long n = atol(argv[2]);
  if (!strcmp(argv[1], "hash")) {
    uint64_t h = 1469598103934665603ULL;
    for (long i = 0; i < n * 1000000L; i++) { h ^= (uint64_t)i; h *= 1099511628211ULL; }
    printf("%llu\n", (unsigned long long)h);
    return 0;
  }
  static char buf[65536];
  memset(buf, 'x', sizeof buf);
  for (long i = 0; i < n * 16; i++) {
    for (size_t off = 0; off < sizeof buf;) {
      ssize_t w = write(1, buf + off, sizeof buf - off);
      if (w <= 0) return 1;
      off += (size_t)w;
    }
  }
  return 0;
}
