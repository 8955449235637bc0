// Concurrent writers from C: several processes run `c_concurrent write K` at once on the same preopen
// "/data" (c_runner starts them), each appending RECORDS lines "K:i" to /data/log with O_APPEND and making
// and removing its own directory; then `c_concurrent check N` reads the log and checks that every line of
// every writer is there exactly once and whole. Prints "c_concurrent: ok" from the check.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RECORDS 200

static int writer(int k) {
  int fd = open("/data/log", O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) { printf("c_concurrent: FAIL open log (errno %d)\n", errno); return 1; }
  char dir[32], line[32];
  snprintf(dir, sizeof dir, "/data/d%d", k);
  for (int i = 0; i < RECORDS; i++) {
    int n = snprintf(line, sizeof line, "%d:%d\n", k, i);
    if (write(fd, line, n) != n) { printf("c_concurrent: FAIL write %d:%d (errno %d)\n", k, i, errno); return 1; }
    if (i % 20 == 0 && (mkdir(dir, 0755) != 0 || rmdir(dir) != 0)) { printf("c_concurrent: FAIL mkdir/rmdir %s (errno %d)\n", dir, errno); return 1; }
  }
  close(fd);
  return 0;
}

static int check(int writers) {
  static char buf[1 << 16];
  int fd = open("/data/log", O_RDONLY);
  ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
  if (n < 0) { printf("c_concurrent: FAIL read log (errno %d)\n", errno); return 1; }
  buf[n] = 0;
  static int seen[16][RECORDS];
  int lines = 0, bad = 0;
  for (char *p = buf, *e; *p; p = e + 1) {
    e = strchr(p, '\n');
    if (!e) { bad++; break; }
    int k, i;
    if (sscanf(p, "%d:%d", &k, &i) != 2 || k < 0 || k >= writers || i < 0 || i >= RECORDS) bad++;
    else seen[k][i]++;
    lines++;
  }
  int missing = 0;
  for (int k = 0; k < writers; k++) for (int i = 0; i < RECORDS; i++) if (seen[k][i] != 1) missing++;
  if (bad || missing || lines != writers * RECORDS) {
    printf("c_concurrent: FAIL %d lines, %d bad, %d missing or doubled\n", lines, bad, missing);
    return 1;
  }
  printf("c_concurrent: ok\n");
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "write")) return writer(atoi(argv[2]));
  if (argc == 3 && !strcmp(argv[1], "check")) return check(atoi(argv[2]));
  printf("usage: c_concurrent write K | check N\n");
  return 2;
}
