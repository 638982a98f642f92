/*
 * caravan-agent, portable entry: a static executable (no shell, no libc needed in the image) that
 * starts bin/caravan-agent through the glibc loader shipped beside it in lib/, so the agent runs in
 * any Linux x86-64 image: busybox, alpine, distroless, or an image with no /bin/sh at all.
 *
 *   caravan-agent ARGS...         exec lib/ld-linux-x86-64.so.2 --library-path lib bin/caravan-agent ARGS...
 *   caravan-agent --copy-to DIR   copy this folder into DIR (an init container filling a shared volume,
 *                                 from an image that has no cp)
 *
 * The folder is the one holding this executable, found through /proc/self/exe (argv[0] without /proc).
 * Built by scripts/sea.mjs with `cc -static`.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void fail(const char *what, const char *path) {
  fprintf(stderr, "[caravan-agent] error: %s %s: %s\n", what, path, strerror(errno));
  exit(127);
}

static void own_dir(const char *argv0, char *dir) {
  ssize_t n = readlink("/proc/self/exe", dir, PATH_MAX - 1);
  if (n > 0) {
    dir[n] = '\0';
  } else if (strchr(argv0, '/') && realpath(argv0, dir)) {
    /* no /proc: argv[0] as started */
  } else {
    fprintf(stderr, "[caravan-agent] error: cannot find its own folder (no /proc/self/exe); start it by its full path\n");
    exit(127);
  }
  char *slash = strrchr(dir, '/');
  if (slash == dir) slash[1] = '\0';
  else *slash = '\0';
}

static void copy_file(const char *from, const char *to, mode_t mode) {
  int in = open(from, O_RDONLY | O_CLOEXEC);
  if (in < 0) fail("cannot read", from);
  int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode & 07777);
  if (out < 0) fail("cannot write", to);
  char buf[1 << 16];
  ssize_t n;
  while ((n = read(in, buf, sizeof buf)) > 0) {
    for (ssize_t done = 0; done < n;) {
      ssize_t w = write(out, buf + done, (size_t)(n - done));
      if (w < 0) fail("cannot write", to);
      done += w;
    }
  }
  if (n < 0) fail("cannot read", from);
  if (fchmod(out, mode & 07777) < 0 || close(out) < 0) fail("cannot write", to);
  close(in);
}

/* Copies the tree under `from` into `to`, leaving out `skip` (the target, when it lies inside). */
static void copy_tree(const char *from, const char *to, const char *skip) {
  if (mkdir(to, 0755) < 0 && errno != EEXIST) fail("cannot create", to);
  DIR *d = opendir(from);
  if (!d) fail("cannot list", from);
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    char src[PATH_MAX], dst[PATH_MAX];
    snprintf(src, sizeof src, "%s/%s", from, e->d_name);
    snprintf(dst, sizeof dst, "%s/%s", to, e->d_name);
    if (!strcmp(src, skip)) continue;
    struct stat st;
    if (lstat(src, &st) < 0) fail("cannot read", src);
    if (S_ISDIR(st.st_mode)) {
      copy_tree(src, dst, skip);
    } else if (S_ISLNK(st.st_mode)) {
      char target[PATH_MAX];
      ssize_t n = readlink(src, target, sizeof target - 1);
      if (n < 0) fail("cannot read", src);
      target[n] = '\0';
      unlink(dst);
      if (symlink(target, dst) < 0) fail("cannot write", dst);
    } else if (S_ISREG(st.st_mode)) {
      copy_file(src, dst, st.st_mode);
    }
  }
  closedir(d);
}

int main(int argc, char **argv) {
  char dir[PATH_MAX];
  own_dir(argc > 0 ? argv[0] : "", dir);

  if (argc == 3 && !strcmp(argv[1], "--copy-to")) {
    char target[PATH_MAX];
    if (mkdir(argv[2], 0755) < 0 && errno != EEXIST) fail("cannot create", argv[2]);
    if (!realpath(argv[2], target)) fail("cannot resolve", argv[2]);
    copy_tree(dir, target, target);
    return 0;
  }

  char loader[PATH_MAX], libs[PATH_MAX], exe[PATH_MAX];
  snprintf(loader, sizeof loader, "%s/lib/ld-linux-x86-64.so.2", dir);
  snprintf(libs, sizeof libs, "%s/lib", dir);
  snprintf(exe, sizeof exe, "%s/bin/caravan-agent", dir);
  char **args = calloc((size_t)argc + 4, sizeof *args);
  if (!args) return 127;
  args[0] = loader;
  args[1] = "--library-path";
  args[2] = libs;
  args[3] = exe;
  for (int i = 1; i < argc; i++) args[i + 3] = argv[i];
  execv(loader, args);
  fail("cannot start", loader);
  return 127;
}
