/* make's shell in a compose punji-compose runs, as launcher_client.py is, without starting an
 * interpreter: `SHELL=launcher-client .SHELLFLAGS=-c`. A recipe line that is one punji command
 * in plain words (and, at most, a final 2>&1) is handed to the launcher on $PUNJI_LAUNCHER,
 * which runs it in a forked copy of itself; this process waits, passes SIGINT, SIGTERM and
 * SIGHUP on to the copy, and ends as the copy ended. Any other line, or one no launcher
 * answers, goes to /bin/sh as make would have run it.
 *
 * The request is launcher.py's "plain" form: MAGIC, then NUL-ended fields: the program's name,
 * the working directory, the umask and the parent's pid in decimal, the number of arguments
 * and the arguments, then the environment's entries to the end. */

#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#define MAGIC "punji-plain-request-1"
#define SHELL_SYNTAX "\"'`$\\;&|<>()[]{}*?~#!\n"
#define MAX_WORDS 256

extern char **environ;

static volatile sig_atomic_t copy_pid = -1; /* -1: not answered yet; 0: not run */

static void run_by_sh(char **flags, int nflags, char *line)
{
    char *argv[nflags + 3];
    argv[0] = "/bin/sh";
    for (int i = 0; i < nflags; i++)
        argv[i + 1] = flags[i];
    argv[nflags + 1] = line;
    argv[nflags + 2] = NULL;
    execv("/bin/sh", argv);
    perror("/bin/sh");
    _exit(127);
}

static void end_as(int code)
{
    if (code < 0) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, -code);
        if (-code != SIGKILL)
            signal(-code, SIG_DFL);
        sigprocmask(SIG_UNBLOCK, &set, NULL); /* in pass_on, the signal it handles is blocked */
        kill(getpid(), -code);
        code = 128 - code;
    }
    _exit(code);
}

static void pass_on(int signum)
{
    if (copy_pid > 0)
        kill(copy_pid, signum);
    else
        end_as(-signum);
}

/* The words of LINE when it is one punji command in plain words, else 0; *MERGED: it ended in 2>&1. */
static int plain_words(char *line, char **words, int *merged)
{
    int n = 0;
    for (char *word = strtok(line, " \t\r\v\f"); word; word = strtok(NULL, " \t\r\v\f")) {
        if (n == MAX_WORDS)
            return 0;
        words[n++] = word;
    }
    *merged = n > 1 && strcmp(words[n - 1], "2>&1") == 0;
    n -= *merged;
    if (n == 0 || !strchr(words[0], '/') || strchr(words[0], '='))
        return 0;
    for (int i = 0; i < n; i++)
        if (strpbrk(words[i], SHELL_SYNTAX))
            return 0;
    return n;
}

static int read_all(int sock, void *buf, size_t size)
{
    size_t got = 0;
    while (got < size) {
        ssize_t r = recv(sock, (char *)buf + got, size - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return 0;
        got += r;
    }
    return 1;
}

static int write_all(int sock, const char *buf, size_t size)
{
    while (size) {
        ssize_t w = send(sock, buf, size, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return 0;
        buf += w;
        size -= w;
    }
    return 1;
}

struct body { char *data; size_t size, room; };

static void add(struct body *b, const char *text)
{
    size_t len = strlen(text) + 1;
    if (b->size + len > b->room) {
        b->room = (b->size + len) * 2;
        b->data = realloc(b->data, b->room);
        if (!b->data)
            _exit(127);
    }
    memcpy(b->data + b->size, text, len);
    b->size += len;
}

static void add_number(struct body *b, long number)
{
    char text[32];
    snprintf(text, sizeof text, "%ld", number);
    add(b, text);
}

static int connect_launcher(const char *name)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    size_t len = strlen(name);
    if (len + 1 > sizeof addr.sun_path)
        return -1;
    memcpy(addr.sun_path + 1, name, len); /* abstract: a NUL first */
    int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
        return -1;
    if (connect(sock, (struct sockaddr *)&addr, offsetof(struct sockaddr_un, sun_path) + 1 + len) < 0) {
        close(sock);
        return -1;
    }
    return sock;
}

static int send_request(int sock, const char *prog, char **words, int n, int merged)
{
    struct body b = {0};
    char cwd[4096];
    mode_t mask = umask(022);
    umask(mask);
    if (!getcwd(cwd, sizeof cwd))
        return 0;
    add(&b, MAGIC);
    add(&b, prog);
    add(&b, cwd);
    add_number(&b, mask);
    add_number(&b, getppid());
    add_number(&b, n);
    for (int i = 0; i < n; i++)
        add(&b, words[i]);
    for (char **e = environ; *e; e++)
        add(&b, *e);

    unsigned char head[4] = {b.size, b.size >> 8, b.size >> 16, b.size >> 24};
    int fds[3] = {0, 1, merged ? 1 : 2};
    char control[CMSG_SPACE(sizeof fds)];
    struct iovec iov = {.iov_base = head, .iov_len = sizeof head};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof fds);
    memcpy(CMSG_DATA(cmsg), fds, sizeof fds);
    ssize_t sent;
    do
        sent = sendmsg(sock, &msg, MSG_NOSIGNAL);
    while (sent < 0 && errno == EINTR);
    return sent == sizeof head && write_all(sock, b.data, b.size);
}

static int number(const unsigned char *bytes)
{
    return (int)((unsigned)bytes[0] | (unsigned)bytes[1] << 8 | (unsigned)bytes[2] << 16 | (unsigned)bytes[3] << 24);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s [SHELL FLAGS...] LINE (make's shell in a punji compose)\n", argv[0]);
        return 2;
    }
    char *line = argv[argc - 1], **flags = argv + 1;
    int nflags = argc - 2, merged = 0;
    const char *name = getenv("PUNJI_LAUNCHER");
    char *copy = strdup(line), *words[MAX_WORDS];
    int n = copy ? plain_words(copy, words, &merged) : 0;
    const char *prog = n ? strrchr(words[0], '/') + 1 : "";
    if (!name || !*name || strncmp(prog, "punji-", 6) != 0 || strcmp(prog, "punji-compose") == 0)
        run_by_sh(flags, nflags, line);
    int sock = connect_launcher(name);
    if (sock < 0 || !send_request(sock, prog, words, n, merged))
        run_by_sh(flags, nflags, line);

    struct sigaction action = {.sa_handler = pass_on}; /* no SA_RESTART: a wait is retried by hand */
    sigemptyset(&action.sa_mask);
    int signals[] = {SIGINT, SIGTERM, SIGHUP};
    for (int i = 0; i < 3; i++)
        sigaction(signals[i], &action, NULL);
    unsigned char answer[4];
    if (!read_all(sock, answer, sizeof answer)) { /* refused: no copy runs, so the command runs here */
        for (int i = 0; i < 3; i++)
            signal(signals[i], SIG_DFL);
        close(sock);
        run_by_sh(flags, nflags, line);
    }
    copy_pid = number(answer);
    if (!read_all(sock, answer, sizeof answer)) {
        fprintf(stderr, "%s: error: the punji launcher went away before the command ended\n", prog);
        return 1;
    }
    end_as(number(answer));
    return 1;
}
