/*
 * Reference relay for the zephyr benchmarks: the simplest relay of the zephyr protocol that can
 * exist, run in the same alternation as the relay under test to show what any relay reaches on
 * the machine at hand. It is a yardstick, not a product: no deadlines, no limits, no metrics, and
 * it trusts its clients beyond checking the BIND header.
 *
 *   ref-relay <host> <port> [copy|splice] [buffer bytes]
 *
 * Each accepted connection gets a thread (64 KiB stack) that sends REGISTER (magic, length 4,
 * zid), reads the 12-byte BIND, waits until the named peer has bound back to it, and then moves
 * the bytes it reads to the peer: `copy` reads into and writes from a buffer (as the relay under
 * test does); `splice` moves them through a pipe of the buffer's size without copying them into
 * the process. On end of stream it shuts down the peer's sending side; the second thread of a
 * pair to finish closes both sockets. Built by run.sh with `cc -O2 -pthread`.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_ZID (1 << 20)
#define PAIRING_SECONDS 60

static const unsigned char MAGIC[4] = {0x82, 0x96, 0x44, 0xA1};

static int use_splice;
static int buffer_bytes = 1 << 20;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int next_zid = 1;
static int fd_of[MAX_ZID];
static int peer_of[MAX_ZID];    /* 0 = not bound yet */
static int finished[MAX_ZID];   /* per pair, at the smaller zid: directions done */

static int read_fully(int fd, unsigned char *b, int n) {
    for (int got = 0; got < n;) {
        ssize_t r = read(fd, b + got, n - got);
        if (r <= 0) {
            if (r < 0 && errno == EINTR) continue;
            return -1;
        }
        got += (int) r;
    }
    return 0;
}

static int write_fully(int fd, const char *b, ssize_t n) {
    while (n > 0) {
        ssize_t w = write(fd, b, n);
        if (w <= 0) {
            if (w < 0 && errno == EINTR) continue;
            return -1;
        }
        b += w;
        n -= w;
    }
    return 0;
}

static void pump_copy(int from, int to) {
    char *buf = malloc(buffer_bytes);
    if (buf == NULL) return;
    for (;;) {
        ssize_t r = read(from, buf, buffer_bytes);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0 || write_fully(to, buf, r) < 0) break;
    }
    free(buf);
}

static void pump_splice(int from, int to) {
    int p[2];
    if (pipe(p) < 0) return;
    fcntl(p[1], F_SETPIPE_SZ, buffer_bytes);
    for (;;) {
        ssize_t in = splice(from, NULL, p[1], NULL, buffer_bytes, SPLICE_F_MOVE);
        if (in < 0 && errno == EINTR) continue;
        if (in <= 0) break;
        while (in > 0) {
            ssize_t out = splice(p[0], NULL, to, NULL, in, SPLICE_F_MOVE);
            if (out < 0 && errno == EINTR) continue;
            if (out <= 0) goto done;
            in -= out;
        }
    }
done:
    close(p[0]);
    close(p[1]);
}

static void *connection(void *arg) {
    int fd = (int) (intptr_t) arg, one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    pthread_mutex_lock(&lock);
    int zid = next_zid < MAX_ZID ? next_zid++ : 0;
    if (zid) fd_of[zid] = fd;
    pthread_mutex_unlock(&lock);
    if (!zid) {
        close(fd);
        return NULL;
    }
    unsigned char reg[12];
    memcpy(reg, MAGIC, 4);
    uint32_t len = htonl(4), z = htonl((uint32_t) zid);
    memcpy(reg + 4, &len, 4);
    memcpy(reg + 8, &z, 4);
    unsigned char bind[12];
    uint32_t blen, bpeer;
    if (write_fully(fd, (const char *) reg, 12) < 0 || read_fully(fd, bind, 12) < 0 || memcmp(bind, MAGIC, 4) != 0) {
        close(fd);
        return NULL;
    }
    memcpy(&blen, bind + 4, 4);
    memcpy(&bpeer, bind + 8, 4);
    int peer = (int) ntohl(bpeer);
    if (ntohl(blen) != 4 || peer <= 0 || peer >= MAX_ZID || peer == zid) {
        close(fd);
        return NULL;
    }

    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += PAIRING_SECONDS;
    pthread_mutex_lock(&lock);
    peer_of[zid] = peer;
    pthread_cond_broadcast(&changed);
    int rc = 0;
    while (peer_of[peer] != zid && rc == 0) rc = pthread_cond_timedwait(&changed, &lock, &until);
    int paired = peer_of[peer] == zid, to = fd_of[peer];
    pthread_mutex_unlock(&lock);
    if (!paired) {
        close(fd);
        return NULL;
    }

    if (use_splice) {
        pump_splice(fd, to);
    } else {
        pump_copy(fd, to);
    }
    shutdown(to, SHUT_WR);

    int key = zid < peer ? zid : peer, last;
    pthread_mutex_lock(&lock);
    last = ++finished[key] == 2;
    pthread_mutex_unlock(&lock);
    if (last) {
        close(fd);
        close(to);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s <host> <port> [copy|splice] [buffer bytes]\n", argv[0]);
        return 2;
    }
    use_splice = argc > 3 && strcmp(argv[3], "splice") == 0;
    if (argc > 4) buffer_bytes = atoi(argv[4]);
    if (buffer_bytes < 4096) buffer_bytes = 4096;
    signal(SIGPIPE, SIG_IGN);

    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t) atoi(argv[2]))};
    if (s < 0 || inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) {
        perror("socket/address");
        return 1;
    }
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(s, (struct sockaddr *) &addr, sizeof addr) < 0 || listen(s, 4096) < 0) {
        perror("bind/listen");
        return 1;
    }
    printf("ref-relay listening on %s:%s (%s, %d-byte buffer)\n", argv[1], argv[2], use_splice ? "splice" : "copy", buffer_bytes);
    fflush(stdout);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 << 10);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0) {
            if (errno == EMFILE || errno == ENFILE) usleep(10000);
            continue;
        }
        pthread_t t;
        if (pthread_create(&t, &attr, connection, (void *) (intptr_t) c) != 0) close(c);
    }
}
