/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * station_int.h -- the inside of one polling station (station.h), shared by
 * the station_*.c files; not an interface for anything else.
 *
 * Protocol: docs/protocol.md.  Crash safety, unlinkability and the log
 * entries: docs/spec/protocol.md (P-4 keys, P-5 stores, P-6 log entries,
 * P-7 station record).
 *
 * Files, one responsibility each:
 *   station.c         request dispatch by role, station_serve
 *   station_open.c    configuration and state at start, station_free
 *   station_recover.c reconciliation of box and log after a crash (P-5.4)
 *   station_roll.c    the roll and check-in (import-roll, lookup, checkin, reissue)
 *   station_named.c   named votes at meetings (named-vote, P-6.6)
 *   station_booth.c   the booth requests (ballot, encrypt, cast, challenge, receipt)
 *   station_jobs.c    crypto workers, job queues, in-flight and pending ballots
 *   station_commit.c  group commit (P-5.3)
 *   station_log.c     audit log entries (P-6) and receipt checkpoints
 *   station_poll.c    open, close (P-7.3), export
 *   station_record.c  the signed station record (P-7)
 *   station_util.c    logging, secret memory, hash sets, files, time
 *   station_monitor.c the monitor of the privilege-separated daemon (P-9)
 *   station_worker.c  its worker: sockets, request parsing, no key (P-9)
 * and outside the station: request.c (the worker's request parser),
 * privsep.c (the monitor's messages), sandbox.c (the worker's seccomp).
 */
#ifndef QUORUM_VOTER_STATION_INT_H
#define QUORUM_VOTER_STATION_INT_H

#include "station.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <sys/types.h>
#include <unistd.h>

#include "audit/log.h"
#include "audit/merkle.h"
#include "crypto/seal.h"
#include "crypto/secbuf.h"
#include "crypto/sha256.h"
#include "crypto/sig.h"
#include "crypto/transcript.h"
#include "crypto/util.h"
#include "election/ballot.h"
#include "election/manifest.h"
#include "election/named.h"
#include "election/roll.h"
#include "election/rules_roll.h"
#include "privsep.h"
#include "server.h"
#include "store.h"

#define TOKEN_LEN 16
#ifndef PENDING_MAX /* the tests also build a daemon with a small one */
#define PENDING_MAX 4096
#endif
#define CHALLENGES_MAX 10 /* challenges per token (docs/protocol.md 3) */
#define RECEIPT_KEY_TAG "quorum/v1/station/receipt-key\n" /* P-5.2 receipts(k) */
#define BATCH_MAX 512
#define LOG_BATCH_MAX 1024 /* jobs of the groups the logger appends at once */
#define CHECKPOINT_KEEP_MS 1000
#define RECORD_FORMAT "quorum-station-record/2.1" /* P-7.1; .1 added "proxies" (P-7.6) */

/* P-6: log entry tags (each entry is tag || 0x0A || payload). */
#define ENTRY_OPENED "quorum/v1/station/poll-opened"
#define ENTRY_ROLL "quorum/v1/station/roll-imported"
#define ENTRY_CHECKINS "quorum/v1/station/checkins"
#define ENTRY_CAST "quorum/v1/station/ballot-cast"
#define ENTRY_CHALLENGED "quorum/v1/station/ballot-challenged"
#define ENTRY_CLOSED "quorum/v1/station/poll-closed"
#define ENTRY_REISSUED "quorum/v1/station/token-reissued"

/* JOB_RECEIPT: a receipt lookup, answered by the committer between groups
 * (the box and the log are the committer's; the loop thread never waits
 * for a group's fsyncs). */
/* JOB_CHECKIN: a check-in, committed by the roll committer in a group of
 * check-ins (one roll-DB transaction, one commit); the token goes out only
 * after that commit (P-5.3). */
/* JOB_NAMED, JOB_REISSUE: a named vote (P-6.6), a re-issue (P-5.7): the
 * log entry goes straight to the logger, appended and synced in the
 * logger's next batch (with the casts'), the rest and the reply in on_post
 * (named_done, reissue_done); the loop thread never waits for the log's
 * fsync, nor holds a lock across it.  A re-issue's roll-DB transaction is
 * then the roll committer's (roll_stage), and so is a challenge's count,
 * before its box commit: while the poll is open the roll DB is the roll
 * committer's alone (P-5.3). */
typedef enum job_kind {
	JOB_ENCRYPT,
	JOB_CAST,
	JOB_CHALLENGE,
	JOB_RECEIPT,
	JOB_CHECKIN,
	JOB_NAMED,
	JOB_REISSUE
} job_kind;

typedef struct job {
	struct job *next;
	job_kind kind;
	server_conn conn;
	uint8_t token_hash[32];
	uint8_t receipt_key[32]; /* JOB_CAST, JOB_RECEIPT: P-5.2 receipts(k); wiped */
	uint8_t *marks; /* secret; wiped by the worker */
	size_t nmarks;
	char (*names)[PS_NAME_MAX + 1]; /* write-in names (B-10); secret, wiped with marks */
	size_t nnames;
	int encrypt_first; /* JOB_CAST with marks: worker encrypts, then commit */
	uint8_t *enc; /* B-2 encoding */
	size_t enclen;
	uint8_t code[32];
	ballot_opening *op; /* JOB_ENCRYPT / JOB_CHALLENGE only */
	qerr result;
	const char *errcode;
	char msg[200];
	uint64_t log_index;
	char *checkpoint;
	/* JOB_CHECKIN: the voter, the proxy holder ("" for none) and the
	 * token (raw bytes, secret until the reply; wiped) */
	char voter[STORE_FIELD_MAX];
	char proxy[STORE_FIELD_MAX];
	uint8_t token[TOKEN_LEN];
	/* when (monotonic us) the job was accepted, a worker took it, the
	 * worker was done, its group's commit began, the group was durable:
	 * the cast's latency by phase (phase_hist) */
	int64_t t_us[5];
	uint8_t *entry; /* JOB_CAST, JOB_CHALLENGE, JOB_NAMED: the log entry (P-6) */
	size_t entrylen;
	/* JOB_NAMED: the motion and the hand (the voter in `voter`), and the
	 * next named vote being logged (st->named_busy, loop thread) */
	char contest[MANIFEST_ID_MAX + 1];
	int vote;
	struct job *busy_next;
	/* JOB_REISSUE: the new token's hash (the token in `token`, the voter
	 * in `voter`, the old token's hash in token_hash) */
	uint8_t new_hash[32];
	/* JOB_REISSUE, JOB_CHALLENGE: 1 while with the roll committer (the
	 * re-issue's roll-DB transaction; the challenge's count, P-5.3), and
	 * roll_done once that is committed */
	int roll_stage, roll_done;
} job;

/* A cast's time in the daemon by phase (JOB_CAST with marks): waiting for
 * a worker, encrypting and proving, waiting for the committer, the group
 * commit (box, log, checkpoint), the reply, and the whole; log-scale
 * buckets of 1/8 octave (PHASE_BUCKETS reach 16 s).  Loop thread only;
 * written to the daemon's log at shutdown (timings only). */
#define PHASES 6
#define PHASE_BUCKETS 192
typedef struct phase_hist {
	uint32_t b[PHASES][PHASE_BUCKETS];
	uint64_t n;
} phase_hist;
void phase_add(phase_hist *h, const job *j, int64_t now_us);
void phase_report(const station *st, const phase_hist *h);

typedef struct jobq {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	job *head, *tail;
	size_t n;
	int stop;
} jobq;

typedef struct pending {
	uint8_t token_hash[32];
	uint8_t code[32];
	uint8_t *enc;
	size_t enclen;
	ballot_opening *op;
	int64_t made; /* monotonic ms */
} pending;

/* A map from 32-byte hashes to u64 (open addressing): tracking code ->
 * log index of each logged cast, for receipt lookups. */
typedef struct cmap_ent {
	uint8_t k[32];
	uint64_t v;
	int used;
} cmap_ent;

typedef struct cmap {
	cmap_ent *e;
	size_t cap, n;
} cmap;

/* A set of 32-byte hashes (open addressing). */
typedef struct hset {
	uint8_t (*k)[32];
	uint8_t *used;
	size_t cap, n;
} hset;

struct station {
	char state_dir[512], log_dir[600], roll_path[600], box_path[600], record_path[600];
	char key_path[600]; /* STATE/signing-key.sealed (P-4.5) */
	char sock_dir[512]; /* the sockets' directory (the state directory unless given) */
	char station_id[MANIFEST_ID_MAX + 1];
	int foreground, read_timeout_ms;
	elec_manifest *m;
	rulebook *rules; /* the election directory's profiles (RP-5.2) */
	const elec_station *est;
	elec_roll *roll;
	roll_context rctx;
	const char **cands;
	point *K;
	point_table *Kt;
	uint8_t Kenc[POINT_LEN];
	uint8_t base_hash[32];
	uint8_t roll_hash[32]; /* parameters.json roll_hash */
	roll_chain rchain; /* rchain.head, the only roll accepted (P-6.1) */
	ballot_style *style;
	json_t *booth_ballot;
	store *rolldb, *box;
	audit_log *log;
	note_signer *signer; /* in a locked, undumpable page (secret_alloc) */
	char state[16]; /* new, open, closing, closed */
	uint64_t registered, issued, cast, challenged, logged_issued;
	/* the registered voters served here (status only): roll rows of this
	 * station's groups eligible on polling day (E-4.3); `registered` is the
	 * rows of the roll, as the record's counts.registered says (P-7) */
	uint64_t eligible;
	uint64_t logsize; /* log size, under cnt_mu (the committer appends) */
	hset spent; /* loop thread only */
	/* every token hash issued and not re-issued away (the roll DB's
	 * tokens), loop thread only: a booth request never reads the roll DB */
	hset issued_tok;
	/* the roll ids (their SHA-256) of the voters checked in, as far as
	 * acknowledged (loop thread): lookups and named votes never read the
	 * roll DB while the poll is open */
	hset checked;
	/* token hash -> challenges counted in the roll DB, or about to be
	 * (loop thread; CHALLENGES_MAX) */
	cmap chal;
	size_t checkins_out; /* check-ins with the roll committer (loop thread) */
	phase_hist phases; /* loop thread only */
	cmap cast_at; /* tracking code -> log index of every logged cast (loop thread) */
	uint8_t (*inflight)[32]; /* tokens with a job in flight */
	size_t ninflight, capinflight;
	pending *pend;
	size_t npend;
	size_t jobs_out; /* jobs handed to threads, not yet back */
	int broken; /* the log failed after a box commit: refuse casts */
	int64_t last_kept_ms; /* when the log last kept a checkpoint */
	int64_t pending_ttl_ms;
	int idle_timeout_ms;
	int group_set[3];
	unsigned gid[3];
	/* The latest check-in (P-5.1): re-issue while its token is unused. */
	int have_last, last_used;
	char last_id[STORE_FIELD_MAX];
	uint8_t last_h[32];
	uint64_t reissued; /* token-reissued entries in the log */
	named_tally named; /* the log's named-vote entries (P-6.6), loop thread */
	job *named_busy; /* named votes with the logger, not yet durable (loop thread) */
	int reissue_busy; /* a re-issue is with the logger (loop thread) */
	int closing_unsaved; /* "closing" not yet in the roll DB (finish_close saves it) */
	int crash_in_close; /* test hook, QUORUM_TEST_CRASH_IN_CLOSE (P-7.3) */
	long crash_after_box; /* test hook, QUORUM_TEST_CRASH_AFTER_BOX (P-5.5) */
	long roll_fail_at; /* test hook, QUORUM_TEST_ROLL_FAIL: the N-th check-in group fails */
	int log_fail; /* test hook, QUORUM_TEST_LOG_FAIL: 1 group appends fail, 2 all */
	/* Privilege separation (P-9), the monitor's side: the worker's
	 * channel (-1 in one process), its pid and generation (a reply for a
	 * connection of an earlier worker is dropped), the unread input. */
	int privsep, chan_fd;
	pid_t worker_pid;
	uint32_t worker_gen;
	uint8_t *chan_in;
	size_t chan_inlen;
	ps_msg *chan_msg;
	char *const *worker_argv; /* the command line the worker is started with */
	int listen_fd[3];
	int64_t restarts_ms[5]; /* when the last restarts were (rate limit) */
	uint64_t worker_deaths;
	int have_close_conn;
	server_conn close_conn;
	/* threads */
	jobq cq, kq, lq, rq; /* crypto, box commit, log append, check-in queues */
	pthread_t workers[STATION_WORKERS], committer, logger, roller;
	int nworkers, have_committer, have_logger, have_roller;
	/* The log and the roll DB have no lock, and no thread holds one
	 * across an fsync: while any job is out (jobs_out) the log is the
	 * logger's alone and the roll DB the roll committer's (check-ins,
	 * challenge counts, re-issues, queued on rq); the loop thread uses
	 * them only with no job out (import-roll and open before the poll
	 * opens, close once every job is back; the jobs' queues and
	 * server_post order these uses, P-5.3). */
	pthread_mutex_t cnt_mu; /* issued (read by the committer) */
	server *srv;
};

/* ---- shared between the station_*.c files ---- */

/* station.c */
json_t *st_need_open(station *st);

/* station_booth.c */
void on_post(void *ctx, server *srv, void *item);
json_t *op_ballot(station *st, server_conn c, const ps_msg *m);
json_t *op_cast(station *st, server_conn c, const ps_msg *m);
json_t *op_challenge(station *st, server_conn c, const ps_msg *m);
json_t *op_encrypt(station *st, server_conn c, const ps_msg *m);
json_t *op_receipt(station *st, server_conn c, const ps_msg *m);
void receipt_lookup(station *st, job *j); /* the committer thread (the box) */

/* station_commit.c */
void *committer_main(void *arg);
void *logger_main(void *arg);
void *roll_committer_main(void *arg);

/* station_jobs.c */
qerr inflight_add(station *st, const uint8_t h[32]);
void inflight_del(station *st, const uint8_t h[32]);
int inflight_has(const station *st, const uint8_t h[32]);
void job_fail(job *j, qerr e, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void job_free(job *j);
void jobq_init(jobq *q);
job *jobq_pop(jobq *q, size_t max);
void jobq_push(jobq *q, job *j);
void jobq_stop(jobq *q);
void pending_clear(pending *p);
void pending_expire(station *st);
pending *pending_find(station *st, const uint8_t h[32]);
void pending_remove(station *st, pending *p);
void *worker_main(void *arg);

/* station_log.c */
uint8_t *st_entry_make(const char *tag, const void *a, size_t alen, const void *b, size_t blen,
                       size_t *len);
const uint8_t *st_entry_payload(const uint8_t *e, size_t len, const char *tag, size_t *plen);
qerr st_log_text(station *st, const char *tag, const char *text, uint64_t *index);
qerr st_receipt_checkpoint(station *st, char **note);

/* station_poll.c */
void finish_close(station *st, int reply_to_conn);
json_t *op_close(station *st, server_conn c, const ps_msg *m);
json_t *op_export(station *st, server_conn c, const ps_msg *m);
json_t *op_open(station *st, server_conn c, const ps_msg *m);

/* station_record.c */
qerr write_record(station *st, char *note, uint64_t close_index, char **sig_out);

/* station_recover.c */
qerr st_reconcile(station *st, char *err, size_t errlen);

/* station_roll.c */
json_t *op_checkin(station *st, server_conn c, const ps_msg *m);
json_t *checkin_done(station *st, job *j); /* on_post: a committed check-in's reply */
json_t *op_import_roll(station *st, server_conn c, const ps_msg *m);
/* P-6.1 (station_roll.c): st->roll from dir/log, the election log's
 * signed roll-changed entries (no dir/log: no change). */
qerr st_roll_chain(station *st, const char *dir, char *err, size_t errlen);
/* st->eligible from st->roll and st->rctx (0 without a roll). */
void st_count_eligible(station *st);
json_t *op_lookup(station *st, server_conn c, const ps_msg *m);
/* The key of a roll id in st->checked: its SHA-256. */
void st_voter_key(const char *id, uint8_t k[32]);
/* Is this roll id checked in (acknowledged; st->checked, loop thread)? */
int st_checked_in(const station *st, const char *id);
json_t *op_reissue(station *st, server_conn c, const ps_msg *m);

/* station_named.c */
json_t *op_named_vote(station *st, server_conn c, const ps_msg *m);
json_t *named_done(station *st, job *j);
json_t *reissue_done(station *st, job *j);
qerr st_named_recover(station *st, uint64_t index, const uint8_t *entry, size_t len, char *err,
                      size_t errlen);

/* station_util.c */
cmap_ent *cmap_find(const cmap *m, const uint8_t k[32]);
qerr cmap_put(cmap *m, const uint8_t k[32], uint64_t v);
void st_hex(char *out, const uint8_t *p, size_t n);
qerr hset_add(hset *s, const uint8_t h[32]);
void hset_del(hset *s, const uint8_t h[32]);
void hset_free(hset *s);
int hset_has(const hset *s, const uint8_t h[32]);
int64_t st_mono_ms(void);
int64_t st_mono_us(void);
qerr st_read_file(const char *path, size_t max, uint8_t **out, size_t *len);
void *st_secret_alloc(size_t n);
void st_secret_free(void *p, size_t n);
void st_shred(const char *path);
__attribute__((format(printf, 3, 4))) void st_log(const station *st, int pri, const char *fmt, ...);
__attribute__((format(printf, 4, 5))) void st_log_rule(const station *st, int pri, const char *rule,
                                                       const char *fmt, ...);

qerr st_write_file(const char *dir, const char *path, const void *data, size_t len);

/* station.c */
json_t *st_dispatch(station *st, server_conn c, const ps_msg *m);
void st_reply(station *st, server_conn c, json_t *reply);
qerr st_start_threads(station *st, char *err, size_t errlen);

/* station_monitor.c */
void st_monitor_reply(station *st, server_conn c, json_t *reply);

/* station_open.c */
qerr st_load_election(station *st, const station_config *cfg, char *err, size_t errlen);

#endif
