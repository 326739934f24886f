/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench_web -- quorum-web against the daemon's own booth socket, in the
 * same run, as ratios (issue 12's figures):
 *   - first paint proxy: the time to serve each page (booth start, poll-book
 *     sign-in, poll-book home signed in, public status), median of 20;
 *   - click-to-receipt: at K concurrent booths, the booth's "cast" click
 *     (POST step=cast with the sealed ballot's code) until the receipt page,
 *     and the review-to-receipt pair (seal + cast), against a "cast" with
 *     marks sent straight to booth.sock by K concurrent clients.
 *
 * It needs a running station with its web front, e.g.
 *   scripts/station --dir /tmp/st --port 8401 --voters 600 &
 *   ./build/bench/bench_web /tmp/st/station 8401 8402 pollworker-demo 64 64 3
 * (STATE BOOTH_PORT POLLBOOK_PORT OPERATOR_PASSPHRASE [N [K [R]]], default
 * N 64, K 64, R 3): R rounds, each checks in the next 3N voters B00001..
 * not checked in yet on operator.sock (so a station serves several runs
 * while its roll lasts), casts N of them on the socket (marks), N on the
 * socket sealed first (encrypt, then cast by tracking code: the daemon's
 * share of the click) and then N through the pages, each a blank ballot,
 * and prints the round's ratios; then the median ratio and its spread over
 * the rounds.  Keep N small on a shared machine (a round takes seconds).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char *state;
static unsigned booth_port, pb_port;
static char (*tokens)[40];
static double *lat_sock, *lat_click, *lat_pair, *lat_sclick;
static int n, k;
static char marks[4096];
static volatile int failures;
static int next_i;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *m)
{
	fprintf(stderr, "bench_web: %s\n", m);
	exit(1);
}

static int unix_conn(const char *name)
{
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s/%s", state, name);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		die("cannot connect to the daemon's socket");
	return fd;
}

/* One request line on fd, the reply object. */
static json_t *rpc(int fd, const char *line)
{
	char buf[1 << 16];
	size_t len = 0;
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line) || write(fd, "\n", 1) != 1)
		return NULL;
	while (len + 1 < sizeof buf) {
		ssize_t r = read(fd, buf + len, sizeof buf - 1 - len);
		if (r <= 0)
			return NULL;
		len += (size_t)r;
		if (buf[len - 1] == '\n')
			break;
	}
	return json_loadb(buf, len, 0, NULL);
}

/* One HTTP/1.1 request (Connection: close) to 127.0.0.1:port; the status,
 * the whole answer in *out (malloc'd). */
static int http(unsigned port, const char *method, const char *path, const char *cookie,
                const char *body, char **out)
{
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		fprintf(stderr, "bench_web: cannot connect to quorum-web port %u: %s\n", port,
		        strerror(errno));
		exit(1);
	}
	char head[1024];
	int hl = snprintf(head, sizeof head,
	                  "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n"
	                  "%s%s%s"
	                  "Content-Type: application/x-www-form-urlencoded\r\n"
	                  "Content-Length: %zu\r\n\r\n",
	                  method, path, port, cookie ? "Cookie: " : "", cookie ? cookie : "",
	                  cookie ? "\r\n" : "", body ? strlen(body) : 0);
	if (write(fd, head, (size_t)hl) != hl ||
	    (body != NULL && write(fd, body, strlen(body)) != (ssize_t)strlen(body)))
		die("write");
	size_t cap = 1 << 16, len = 0;
	char *b = malloc(cap);
	for (;;) {
		if (len + 1 >= cap)
			b = realloc(b, cap *= 2);
		ssize_t r = read(fd, b + len, cap - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	b[len] = '\0';
	close(fd);
	*out = b;
	return len > 12 ? atoi(b + 9) : 0;
}

static int take(void)
{
	pthread_mutex_lock(&mu);
	int i = next_i < n ? next_i++ : -1;
	pthread_mutex_unlock(&mu);
	return i;
}

static void *sock_client(void *arg)
{
	(void)arg;
	int fd = unix_conn("booth.sock"), i;
	char line[8192];
	while ((i = take()) >= 0) {
		snprintf(line, sizeof line, "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":%s}",
		         tokens[i], marks);
		double t0 = now();
		json_t *r = rpc(fd, line);
		lat_sock[i] = now() - t0;
		if (r == NULL || !json_is_true(json_object_get(r, "ok")))
			failures++;
		json_decref(r);
	}
	close(fd);
	return NULL;
}

/* The daemon's share of the click: a sealed ballot (encrypt) cast by its
 * tracking code on booth.sock, the cast timed -- the same requests the
 * booth's pages make, without the pages. */
static void *sock_sealed_client(void *arg)
{
	(void)arg;
	int fd = unix_conn("booth.sock"), i;
	char line[8192];
	while ((i = take()) >= 0) {
		const char *t = tokens[2 * n + i];
		snprintf(line, sizeof line, "{\"op\":\"encrypt\",\"token\":\"%s\",\"marks\":%s}", t,
		         marks);
		json_t *r = rpc(fd, line);
		const char *code = json_string_value(json_object_get(r, "tracking_code"));
		snprintf(line, sizeof line,
		         "{\"op\":\"cast\",\"token\":\"%s\",\"tracking_code\":\"%s\"}", t,
		         code != NULL ? code : "");
		json_decref(r);
		double t0 = now();
		r = rpc(fd, line);
		lat_sclick[i] = now() - t0;
		if (r == NULL || !json_is_true(json_object_get(r, "ok")))
			failures++;
		json_decref(r);
	}
	close(fd);
	return NULL;
}

static void *web_client(void *arg)
{
	(void)arg;
	int i;
	char body[400], *out;
	while ((i = take()) >= 0) {
		const char *t = tokens[n + i];
		snprintf(body, sizeof body, "step=seal&token=%s&hc=0&go=seal", t);
		double t0 = now();
		http(booth_port, "POST", "/booth", NULL, body, &out);
		const char *c = strstr(out, "name=\"code\" value=\"");
		char code[65] = "";
		if (c != NULL)
			snprintf(code, sizeof code, "%.64s", c + 19);
		free(out);
		snprintf(body, sizeof body, "step=cast&token=%s&hc=0&code=%s", t, code);
		double t1 = now();
		int st = http(booth_port, "POST", "/booth", NULL, body, &out);
		double t2 = now();
		lat_click[i] = t2 - t1;
		lat_pair[i] = t2 - t0;
		if (st != 200 || strstr(out, "class=\"receipt") == NULL)
			failures++;
		free(out);
	}
	return NULL;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int m)
{
	qsort(v, (size_t)m, sizeof *v, cmpd);
	return v[m / 2];
}

static double run(void *(*fn)(void *))
{
	pthread_t th[512];
	next_i = 0;
	double t0 = now();
	for (int i = 0; i < k; i++)
		pthread_create(&th[i], NULL, fn, NULL);
	for (int i = 0; i < k; i++)
		pthread_join(th[i], NULL);
	return now() - t0;
}

/* Check in the next 3N voters of B00001.. not checked in yet (a station
 * serves several rounds and runs) into tokens. */
static void checkin_round(void)
{
	static int v = 1;
	int op = unix_conn("operator.sock");
	for (int i = 0; i < 3 * n; v++) {
		char line[200];
		snprintf(line, sizeof line, "{\"op\":\"checkin\",\"voter\":\"B%05d\"}", v);
		json_t *r = rpc(op, line);
		const char *t = json_string_value(json_object_get(r, "token"));
		const char *e =
		    json_string_value(json_object_get(json_object_get(r, "error"), "code"));
		if (t == NULL && e != NULL && strcmp(e, "already_voted") == 0) {
			json_decref(r);
			continue;
		}
		if (t == NULL)
			die("check-in refused (run scripts/station with --voters at least 3 N R "
			    "for "
			    "each run)");
		snprintf(tokens[i], sizeof tokens[i], "%s", t);
		i++;
		json_decref(r);
	}
	close(op);
}

int main(int argc, char **argv)
{
	if (argc < 5)
		die("usage: bench_web STATE BOOTH_PORT POLLBOOK_PORT OPERATOR_PASS [N [K [R]]]");
	state = argv[1];
	booth_port = (unsigned)atoi(argv[2]);
	pb_port = (unsigned)atoi(argv[3]);
	n = argc > 5 ? atoi(argv[5]) : 64;
	k = argc > 6 ? atoi(argv[6]) : 64;
	int rounds = argc > 7 ? atoi(argv[7]) : 3;
	if (n < 1 || n > 100000 || k < 1 || k > 512 || rounds < 1 || rounds > 20)
		die("N 1..100000, K 1..512, R 1..20");
	tokens = calloc((size_t)(3 * n), sizeof *tokens);
	lat_sock = calloc((size_t)n, sizeof(double));
	lat_click = calloc((size_t)n, sizeof(double));
	lat_pair = calloc((size_t)n, sizeof(double));
	lat_sclick = calloc((size_t)n, sizeof(double));

	checkin_round();
	/* a blank ballot of the ballot's shape */
	int bf = unix_conn("booth.sock");
	char line[200];
	snprintf(line, sizeof line, "{\"op\":\"ballot\",\"token\":\"%s\"}", tokens[0]);
	json_t *b = rpc(bf, line);
	close(bf);
	json_t *cs = json_object_get(json_object_get(b, "ballot"), "contests");
	json_t *mk = json_array();
	for (size_t c = 0; c < json_array_size(cs); c++) {
		json_t *a = json_array();
		for (size_t o = 0;
		     o < json_array_size(json_object_get(json_array_get(cs, c), "options")); o++)
			json_array_append_new(a, json_integer(0));
		json_array_append_new(mk, a);
	}
	char *ms = json_dumps(mk, JSON_COMPACT);
	snprintf(marks, sizeof marks, "%s", ms);
	free(ms);
	json_decref(mk);
	json_decref(b);

	/* first paint proxy */
	char *out, body[200], cookie[200] = "";
	snprintf(body, sizeof body, "passphrase=%s", argv[4]);
	http(pb_port, "POST", "/signin", NULL, body, &out);
	const char *sc = strstr(out, "quorum_pollbook=");
	if (sc != NULL)
		snprintf(cookie, sizeof cookie, "%.80s", sc);
	cookie[strcspn(cookie, ";\r\n")] = '\0';
	free(out);
	static const struct {
		const char *name;
		int pb;
		const char *path;
		int cookie;
	} pages[] = {{"booth start", 0, "/", 0},
	             {"poll-book sign-in", 1, "/signin", 0},
	             {"poll-book home (signed in)", 1, "/", 1},
	             {"public status", 1, "/public/", 0}};
	double paint[4];
	for (int p = 0; p < 4; p++) {
		double v[20];
		for (int r = 0; r < 20; r++) {
			double t0 = now();
			int st = http(pages[p].pb ? pb_port : booth_port, "GET", pages[p].path,
			              pages[p].cookie ? cookie : NULL, NULL, &out);
			v[r] = now() - t0;
			if (st != 200)
				failures++;
			free(out);
		}
		paint[p] = median(v, 20);
	}

	/* R rounds, each the socket's casts, then the socket's sealed casts,
	 * then the pages' right after them: a ratio compares phases a few
	 * seconds apart, so a load that other programs put on the machine
	 * changes them alike */
	double ratio[20], pratio[20], fratio[20];
	printf("quorum-web against booth.sock: %d rounds of %d voters each way, %d concurrent "
	       "booths, blank ballot\n",
	       rounds, n, k);
	for (int r = 0; r < rounds; r++) {
		if (r > 0)
			checkin_round();
		double ws = run(sock_client);
		run(sock_sealed_client);
		double ww = run(web_client);
		double ms_sock = median(lat_sock, n), ms_click = median(lat_click, n),
		       ms_pair = median(lat_pair, n), ms_sclick = median(lat_sclick, n);
		ratio[r] = ms_click / ms_sock;
		pratio[r] = ms_pair / ms_sock;
		fratio[r] = ms_click / ms_sclick;
		printf("round %d:\n", r + 1);
		printf("  socket cast (marks, encrypt+prove+commit): p50 %7.2f ms   %6.0f "
		       "casts/s\n",
		       ms_sock * 1e3, n / ws);
		printf("  socket cast of a sealed ballot (by code):  p50 %7.2f ms\n",
		       ms_sclick * 1e3);
		printf("  web cast click to receipt page:           p50 %7.2f ms   ratio %.2f x "
		       "socket cast, %.2f x sealed\n",
		       ms_click * 1e3, ratio[r], fratio[r]);
		printf("  web review to receipt (seal + cast):      p50 %7.2f ms   ratio %.2f x "
		       "socket cast   %6.0f voters/s\n",
		       ms_pair * 1e3, pratio[r], n / ww);
	}
	double lo = ratio[0], hi = ratio[0];
	for (int r = 1; r < rounds; r++) {
		lo = ratio[r] < lo ? ratio[r] : lo;
		hi = ratio[r] > hi ? ratio[r] : hi;
	}
	double mr = median(ratio, rounds), mp = median(pratio, rounds), mf = median(fratio, rounds);
	printf("click to receipt / socket cast: median %.2f x over %d rounds (%.2f .. %.2f); "
	       "/ sealed socket cast %.2f x; review to receipt / socket cast %.2f x\n",
	       mr, rounds, lo, hi, mf, mp);
	printf("first paint proxy (time to serve the page, median of 20, idle front):\n");
	for (int p = 0; p < 4; p++)
		printf("  %-28s %7.2f ms\n", pages[p].name, paint[p] * 1e3);
	if (failures)
		printf("FAILURES: %d requests failed\n", failures);
	return failures ? 1 : 0;
}
