// The edges of WASI file semantics that conformance suites probe, run against a preopen "/data" served by
// tmpfs (argv[1] = "tmpfs") or hostfs ("hostfs": symlinks there are refused rather than followed).
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>

static int failures;
#define CHECK(cond, what) do { if (!(cond)) { failures++; printf("c_wasi_edges: FAIL %s (errno %d)\n", what, errno); } } while (0)
#define FAILS_WITH(expr, err, what) do { errno = 0; int r_ = (int)(expr); CHECK(r_ < 0 && errno == (err), what); } while (0)

static void touch(const char *p, const char *text) {
  int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) { write(fd, text, strlen(text)); close(fd); }
}

int main(int argc, char **argv) {
  int host = argc > 1 && !strcmp(argv[1], "hostfs");
  struct stat st;
  char buf[64];
  touch("/data/f", "0123456789");
  mkdir("/data/d", 0755);
  mkdir("/data/e", 0755);
  // Paths: trailing slashes, '.', '..', absolute paths outside every preopen.
  FAILS_WITH(open("/data/f/", O_RDONLY), ENOTDIR, "a trailing slash on a file");
  CHECK(stat("/data/d/", &st) == 0 && S_ISDIR(st.st_mode), "a trailing slash on a directory");
  CHECK(stat("/data/./d/../f", &st) == 0 && st.st_size == 10, "'.' and '..' inside the preopen");
  CHECK(open("/data/d/../../f", O_RDONLY) < 0, "'..' above the preopen");
  CHECK(open("/nowhere/f", O_RDONLY) < 0, "an absolute path outside the preopens");
  // Symbolic links: dangling, looping, small readlink buffers.
  CHECK(symlink("missing", "/data/dangling") == 0, "symlink to nothing");
  CHECK(lstat("/data/dangling", &st) == 0 && S_ISLNK(st.st_mode), "lstat of a dangling link");
  FAILS_WITH(open("/data/dangling", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST, "O_EXCL on a dangling link");
  if (!host) {
    FAILS_WITH(stat("/data/dangling", &st), ENOENT, "stat through a dangling link");
    CHECK(symlink("loop", "/data/loop") == 0, "a self-referencing link");
    FAILS_WITH(open("/data/loop", O_RDONLY), ELOOP, "ELOOP");
  } else {
    FAILS_WITH(open("/data/dangling", O_RDONLY), ENOTCAPABLE, "hostfs refuses to follow links");
  }
  CHECK(readlink("/data/dangling", buf, 3) == 3 && !memcmp(buf, "mis", 3), "readlink into a small buffer truncates");
  // Sizes and times.
  int fd = open("/data/f", O_RDWR);
  CHECK(ftruncate(fd, 4) == 0 && fstat(fd, &st) == 0 && st.st_size == 4, "shrink");
  CHECK(ftruncate(fd, 100) == 0 && pread(fd, buf, 8, 90) == 8 && buf[0] == 0, "grow reads zeros");
  struct timespec ts[2] = { { 100, 0 }, { 200, 0 } };
  CHECK(futimens(fd, ts) == 0 && fstat(fd, &st) == 0 && st.st_mtim.tv_sec == 200 && st.st_atim.tv_sec == 100, "set times");
  // The NOW flags through the raw call (this wasi-libc's futimens(fd, NULL) sends explicit zero times).
  CHECK(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_ATIM_NOW | __WASI_FSTFLAGS_MTIM_NOW) == 0 && fstat(fd, &st) == 0 && st.st_atim.tv_sec > 1600000000 && st.st_mtim.tv_sec > 1600000000, "ATIM_NOW and MTIM_NOW");
  FAILS_WITH(lseek(fd, 0, 99), EINVAL, "seek with a bad whence");
  CHECK(lseek(fd, 0, SEEK_END) == 100, "seek to the end");
  // fd_renumber (wasi-libc has no dup2) and EBADF.
  int fd2 = open("/data/f", O_RDONLY);
  CHECK(__wasi_fd_renumber(fd, fd2) == 0 && lseek(fd2, 0, SEEK_CUR) == 100, "fd_renumber");
  FAILS_WITH(lseek(fd, 0, SEEK_CUR), EBADF, "the old number is closed by fd_renumber");
  close(fd2);
  FAILS_WITH(close(fd2), EBADF, "EBADF after close");
  // Renames over existing things, unlink vs rmdir.
  touch("/data/g", "g");
  CHECK(rename("/data/g", "/data/f") == 0, "rename over an existing file");
  CHECK(rename("/data/d", "/data/e") == 0, "rename a directory over an empty one");
  mkdir("/data/d", 0755);
  FAILS_WITH(rename("/data/f", "/data/d"), EISDIR, "rename a file over a directory");
  FAILS_WITH(rename("/data/d", "/data/f"), ENOTDIR, "rename a directory over a file");
  FAILS_WITH(rmdir("/data/f"), ENOTDIR, "rmdir a file");
  FAILS_WITH(unlink("/data/d"), EISDIR, "unlink a directory");
  // readdir with small buffers: every entry exactly once.
  char name[64];
  for (int i = 0; i < 40; i++) { snprintf(name, sizeof name, "/data/e/entry-with-a-long-name-%02d", i); touch(name, ""); }
  DIR *dir = opendir("/data/e");
  int n = 0;
  for (struct dirent *e; dir && (e = readdir(dir));) if (!strncmp(e->d_name, "entry-", 6)) n++;
  if (dir) closedir(dir);
  CHECK(n == 40, "readdir returns every entry once");
  // poll_oneoff with a clock and an fd at once.
  struct pollfd p = { 1, POLLOUT, 0 };
  CHECK(poll(&p, 1, 1000) == 1 && (p.revents & POLLOUT), "poll on stdout");
  // poll_oneoff with two clocks and an fd: the fd is ready at once, the clocks are not.
  __wasi_subscription_t subs[3];
  memset(subs, 0, sizeof subs);
  subs[0].userdata = 1; subs[0].u.tag = __WASI_EVENTTYPE_CLOCK; subs[0].u.u.clock.id = __WASI_CLOCKID_MONOTONIC; subs[0].u.u.clock.timeout = 5000000000ULL;
  subs[1].userdata = 2; subs[1].u.tag = __WASI_EVENTTYPE_CLOCK; subs[1].u.u.clock.id = __WASI_CLOCKID_REALTIME; subs[1].u.u.clock.timeout = 6000000000ULL;
  subs[2].userdata = 3; subs[2].u.tag = __WASI_EVENTTYPE_FD_WRITE; subs[2].u.u.fd_write.file_descriptor = 1;
  __wasi_event_t evs[3];
  __wasi_size_t nev = 0;
  CHECK(__wasi_poll_oneoff(subs, evs, 3, &nev) == 0 && nev == 1 && evs[0].userdata == 3 && evs[0].type == __WASI_EVENTTYPE_FD_WRITE, "poll_oneoff: two clocks and an fd");
  subs[2].u.tag = __WASI_EVENTTYPE_CLOCK; subs[2].u.u.clock.id = __WASI_CLOCKID_MONOTONIC; subs[2].u.u.clock.timeout = 1000000;
  CHECK(__wasi_poll_oneoff(subs, evs, 3, &nev) == 0 && nev == 1 && evs[0].userdata == 3, "poll_oneoff: the earliest of three clocks");
  // The rights fd_fdstat_get reports follow what the file was opened for.
  __wasi_fdstat_t fst;
  int ro = open("/data/f", O_RDONLY);
  CHECK(__wasi_fd_fdstat_get(ro, &fst) == 0 && (fst.fs_rights_base & __WASI_RIGHTS_FD_READ) && !(fst.fs_rights_base & __WASI_RIGHTS_FD_WRITE) && fst.fs_filetype == __WASI_FILETYPE_REGULAR_FILE, "rights of a read-only open");
  close(ro);
  CHECK(__wasi_fd_fdstat_get(3, &fst) == 0 && fst.fs_filetype == __WASI_FILETYPE_DIRECTORY && (fst.fs_rights_inheriting & __WASI_RIGHTS_FD_WRITE), "the preopen is a directory that passes on FD_WRITE");
  CHECK(__wasi_sock_shutdown(1, __WASI_SDFLAGS_WR) == __WASI_ERRNO_NOTSOCK || __wasi_sock_shutdown(1, __WASI_SDFLAGS_WR) == __WASI_ERRNO_NOTCAPABLE, "sock_shutdown on a non-socket");
  if (!host) CHECK(__wasi_sock_shutdown(4, __WASI_SDFLAGS_WR) == 0, "sock_shutdown on a socket fd");
  if (!failures) printf("c_wasi_edges: ok\n");
  return failures ? 1 : 0;
}
