// Files through WASI from C: everything goes through the preopen "/data" (hostfs or tmpfs).
// Prints one line per failed check and "c_files: ok" at the end; exits non-zero on failure.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures;
#define CHECK(cond, what) do { if (!(cond)) { failures++; printf("c_files: FAIL %s (errno %d)\n", what, errno); } } while (0)

static int write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return -1;
  ssize_t n = write(fd, text, strlen(text));
  close(fd);
  return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int read_file(const char *path, char *buf, size_t len) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, len - 1);
  close(fd);
  if (n < 0) return -1;
  buf[n] = 0;
  return (int)n;
}

int main(void) {
  char buf[256];
  struct stat st;
  CHECK(write_file("/data/a.txt", "hello from C") == 0, "create and write");
  CHECK(read_file("/data/a.txt", buf, sizeof buf) == 12 && strcmp(buf, "hello from C") == 0, "read back");
  CHECK(stat("/data/a.txt", &st) == 0 && st.st_size == 12 && S_ISREG(st.st_mode), "stat");
  int fd = open("/data/a.txt", O_WRONLY | O_APPEND);
  CHECK(fd >= 0 && write(fd, "!", 1) == 1, "append");
  close(fd);
  CHECK(read_file("/data/a.txt", buf, sizeof buf) == 13, "appended size");
  CHECK(open("/data/a.txt", O_WRONLY | O_CREAT | O_EXCL, 0644) < 0 && errno == EEXIST, "O_EXCL on an existing file");
  CHECK(open("/data/missing", O_RDONLY) < 0 && errno == ENOENT, "ENOENT");
  CHECK(mkdir("/data/d", 0755) == 0, "mkdir");
  CHECK(mkdir("/data/d", 0755) < 0 && errno == EEXIST, "mkdir twice");
  CHECK(write_file("/data/d/f", "x") == 0, "file in a directory");
  CHECK(rmdir("/data/d") < 0 && errno == ENOTEMPTY, "rmdir non-empty");
  CHECK(unlink("/data/d") < 0 && (errno == EISDIR || errno == EPERM), "unlink a directory");
  CHECK(rename("/data/d/f", "/data/g") == 0, "rename across directories");
  CHECK(rmdir("/data/d") == 0, "rmdir");
  CHECK(open("/data/g/x", O_RDONLY) < 0 && errno == ENOTDIR, "ENOTDIR");
  CHECK(symlink("g", "/data/s") == 0, "symlink");
  ssize_t n = readlink("/data/s", buf, sizeof buf);
  CHECK(n == 1 && buf[0] == 'g', "readlink");
  CHECK(readlink("/data/s", buf, 0) < 0 || 1, "readlink with an empty buffer does not crash");
  DIR *dir = opendir("/data");
  int seen = 0;
  for (struct dirent *e; dir && (e = readdir(dir));) if (!strcmp(e->d_name, "a.txt") || !strcmp(e->d_name, "g")) seen++;
  if (dir) closedir(dir);
  CHECK(seen == 2, "readdir");
  CHECK(open("/data/../escape", O_RDONLY) < 0, "'..' above the preopen is refused");
  CHECK(open("/etc/passwd", O_RDONLY) < 0, "absolute paths outside every preopen are refused");
  // Hard links and nlink.
  CHECK(link("/data/a.txt", "/data/h") == 0, "link");
  CHECK(stat("/data/h", &st) == 0 && st.st_nlink == 2, "nlink after link");
  CHECK(link("/data/a.txt", "/data/h") < 0 && errno == EEXIST, "link over an existing name");
  CHECK(unlink("/data/h") == 0 && stat("/data/a.txt", &st) == 0 && st.st_nlink == 1, "nlink after unlink");
  // Offsets, truncation, sync, allocation, advice, times.
  fd = open("/data/io", O_RDWR | O_CREAT | O_TRUNC, 0644);
  CHECK(fd >= 0 && pwrite(fd, "0123456789", 10, 0) == 10, "pwrite");
  CHECK(pread(fd, buf, 4, 3) == 4 && memcmp(buf, "3456", 4) == 0, "pread at an offset");
  CHECK(lseek(fd, 0, SEEK_END) == 10, "lseek SEEK_END");
  CHECK(ftruncate(fd, 5) == 0 && fstat(fd, &st) == 0 && st.st_size == 5, "ftruncate");
  CHECK(fsync(fd) == 0 && fdatasync(fd) == 0, "fsync and fdatasync");
  CHECK(posix_fallocate(fd, 0, 8192) == 0 && fstat(fd, &st) == 0 && st.st_size == 8192, "posix_fallocate grows the file");
  CHECK(pread(fd, buf, 8, 100) == 8 && buf[0] == 0 && buf[7] == 0, "allocated bytes read as zeros");
  CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL) == 0, "posix_fadvise");
  struct timespec times[2] = { { 1000000000, 0 }, { 1200000000, 500 } };
  CHECK(futimens(fd, times) == 0 && fstat(fd, &st) == 0 && st.st_mtim.tv_sec == 1200000000, "futimens");
  close(fd);
  times[1].tv_sec = 1300000000;
  CHECK(utimensat(AT_FDCWD, "/data/io", times, 0) == 0 && stat("/data/io", &st) == 0 && st.st_mtim.tv_sec == 1300000000, "utimensat by path");
  fd = open("/data/io", O_WRONLY | O_TRUNC);
  CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0, "O_TRUNC on an existing file");
  close(fd);
  CHECK(unlink("/data/io") == 0, "unlink io");
  // A path-traversal corpus: each must be refused, and none may create anything.
  CHECK(symlink("../outside", "/data/esc") == 0 && symlink("/etc/passwd", "/data/abs") == 0 && symlink("..", "/data/up") == 0, "plant escaping symlinks");
  char longname[300];
  memset(longname, 'x', sizeof longname - 1);
  longname[sizeof longname - 1] = 0;
  memcpy(longname, "/data/", 6);
  const char *corpus[] = { "/data/..", "/data/../x", "/data/./../x", "/data/sub/../../x", "/data/esc", "/data/esc/x", "/data/abs",
    "/data/up/x", "/data/x\x01/..", longname, "/", "/etc/passwd" };
  for (size_t i = 0; i < sizeof corpus / sizeof *corpus; i++) {
    int f = open(corpus[i], O_RDONLY);
    int g = open(corpus[i], O_WRONLY | O_CREAT, 0644);
    if (f >= 0 || g >= 0) { failures++; printf("c_files: FAIL traversal %.40s was opened\n", corpus[i]); }
    if (f >= 0) close(f);
    if (g >= 0) close(g);
  }
  CHECK(unlink("/data/esc") == 0 && unlink("/data/abs") == 0 && unlink("/data/up") == 0, "unlink the planted symlinks");
  CHECK(unlink("/data/g") == 0 && unlink("/data/s") == 0 && unlink("/data/a.txt") == 0, "unlink");
  CHECK(ftruncate(-1, 0) < 0 && errno == EBADF, "EBADF");
  if (!failures) printf("c_files: ok\n");
  return failures ? 1 : 0;
}
