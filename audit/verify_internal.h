/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * verify_internal.h -- state shared by the files of the election verifier
 * (verify_election.c, verify_stations.c, verify_tally.c, verify_xcheck.c).
 * Not a public interface.  Spec: docs/spec/verify.md.
 */
#ifndef QUORUM_AUDIT_VERIFY_INTERNAL_H
#define QUORUM_AUDIT_VERIFY_INTERNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/note.h"
#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/proof.h"
#include "crypto/qerr.h"
#include "crypto/xcheck.h"
#include "election/alphaset.h"
#include "election/ballot.h"
#include "election/manifest.h"
#include "election/named.h"
#include "election/progress.h"
#include "verify_election.h"

#define VE_MAX_FILE (256u * 1024u * 1024u)
#define VE_PATH_MAX 4096
#define VE_MAX_THREADS 16

/* Tags and formats the record uses (docs/spec/verify.md V-1). */
#define VE_TAG_BASE "quorum/v1/election/base-hash"
#define VE_TAG_COMMITMENT "quorum/v1/tally/commitment"
#define VE_TAG_PARTIAL "quorum/v2/tally/partial" /* */
#define VE_TAG_TRUSTEE_FILE "quorum/v2/tally/trustee-file" /* */
#define VE_TAG_COEFFICIENTS "quorum/v2/tally/coefficients" /* */
#define VE_TAG_TRANSPORT "quorum/v2/tally/transport-key" /* */
#define VE_SIG_B64_LEN 88 /* base64 of a 64-byte signature */
#define VE_ENTRY_CAST "quorum/v1/station/ballot-cast"
#define VE_ENTRY_CHALLENGED "quorum/v1/station/ballot-challenged"
#define VE_ENTRY_CHECKINS "quorum/v1/station/checkins"
#define VE_ENTRY_CLOSED "quorum/v1/station/poll-closed"
#define VE_ENTRY_ROLL "quorum/v1/station/roll-imported"
#define VE_ENTRY_OPENED "quorum/v1/station/poll-opened"
#define VE_ENTRY_REISSUED "quorum/v1/station/token-reissued"
#define VE_STATION_RECORD_FORMAT "quorum-station-record/2.1" /* P-7.6 */

/* One ballot of a station record (cast or challenged). */
typedef struct ve_ballot {
	size_t station; /* index into ctx->st */
	size_t index; /* position in its record's array */
	uint8_t code[BALLOT_CODE_LEN]; /* as published */
	uint8_t *enc; /* B-2 bytes */
	size_t len;
	ballot *b; /* decoded (challenged ballots, check 8), or NULL: check 4
	            * frees each cast ballot's decoding once it is verified */
	int decoded; /* cast: check 4 decoded it strictly (B-2), so enc has
	              * the style's length and ballot_style_ct_offsets apply */
	uint8_t *open; /* challenged: opening bytes (B-6) */
	size_t openlen;
	int valid; /* decoded, proofs and tracking code good */
	int stage; /* check 4 phase 1: 0 not run, 1 decode, 2 proofs, 3 code failed, 4 ok */
	qerr err;
	char *why; /* stage 2: which proof (malloc'd) */
} ve_ballot;

typedef struct ve_station {
	const char *id; /* owned by the manifest */
	json_t *rec; /* parsed record, or NULL */
	int sig_ok;
	uint8_t rec_sha[32]; /* SHA-256 of the record bytes */
	uint8_t rec_xsha[32]; /* the same by libgcrypt, of the same reading
	                       * (check 3's; check 10 verifies the signature
	                       * over it, V-12 (2)) */
	int have_xsha;
	size_t rec_len;
	int have_rec;
	note_verifier vk;
	int have_vk;
	uint64_t registered, issued, cast, challenged; /* as the record says */
	int have_counts;
	int registered_ok; /* counts.registered read */
	/* from the log */
	int log_ok;
	/* its ballot-cast entries' codes are in c->logcodes (V-14: nothing
	 * kept per ballot); check 4 merges them with the record's ballots */
	size_t ncast_codes;
	uint64_t log_entries; /* log.size: the entries check 3 read */
	uint8_t (*ch_codes)[BALLOT_CODE_LEN]; /* sorted (few: challenged ballots) */
	size_t nch_codes, ch_cap;
	int have_closed; /* a poll-closed entry was found */
	uint64_t log_issued, log_cast, log_challenged; /* poll-closed entry */
	uint64_t last_checkins; /* last "checkins" entry's issued (0 if none) */
	size_t nroll; /* roll-imported entries seen (verify_roll.c) */
	char log_why[VE_DETAIL_LEN]; /* why log_ok is 0 (check 3), or "" */
	/* V-1.2: a record whose ballots were not collected (check 3 refused
	 * it) is reported by every check that needs them, with the count */
	int collected; /* its ballots and challenged ballots are in c->cast/chal */
	char unusable[VE_DETAIL_LEN]; /* why not collected */
	long long nrec_cast, nrec_chal; /* sizes of its arrays, -1 if unknown */
	/* V-14: its ballots are read again, one at a time, by check 4 and
	 * check 10's sample; their global numbers are first_cast.. */
	uint64_t first_cast;
	int order_bad; /* check 4 found its ballots out of tracking-code order */
	size_t inrec; /* its valid ballots (check 4) */
	int other; /* V-16: not the station verified (--station S) */
	const json_t *partial; /* V-16: its accepted partial result, or NULL */
	int partial_ok; /* the partial is of this record and passed */
	/* R-5 (9), (15): its checked_in list, checked at the end of check 3
	 * (then dropped from rec: V-14) and reported by check 5 */
	int ci_state; /* VE_CI_* */
	char ci_why[VE_DETAIL_LEN]; /* VE_CI_BAD / VE_CI_PROXIES_BAD: why */
	/* check 4 read its record whole and unchanged, so check 10's sampled
	 * ballots of it are in c->xs.kept (it is not read a third time) */
	int xs_kept;
} ve_station;

/* Check 10's sample (V-12.1), drawn when check 4 begins, after check 3
 * read every record: the picks (ascending global numbers) and, when there
 * are at most VE_SAMPLE_KEEP, the sampled ballots as check 4 reads them
 * (V-14: check 10 then reads no record again; more are read again). */
#define VE_SAMPLE_KEEP 256
typedef struct ve_sample {
	int drawn; /* 0 not yet, 1 drawn, -1 the CSPRNG failed, -2 out of memory */
	uint64_t *pick, want, next;
	ve_ballot *kept; /* want entries (enc malloc'd, NULL: malformed), or NULL */
	unsigned char *have; /* kept[d] was filled */
} ve_sample;

enum {
	VE_CI_NONE = 0, /* not checked (no record or counts: check 3 failed) */
	VE_CI_OK, /* checked_in and (from minor 1) proxies good */
	VE_CI_BAD, /* checked_in refused (R-5 (9)) */
	VE_CI_PROXIES_BAD /* checked_in good, proxies refused (R-5 (15)) */
};

/* Ballots check 4 could not add to the sum (named by checks 6 and 10). */
#define VE_UNDECODED_LIST 8

typedef struct ve_ctx {
	const char *dir;
	const ve_opts *o;
	ve_report *r;
	/* check 1 */
	uint8_t *mbytes, *pbytes;
	size_t mlen, plen;
	elec_manifest *m; /* checked against rules */
	rulebook *rules; /* the record's own profiles (RP-5.2), never the build's */
	uint32_t k, n, round;
	uint8_t base_hash[32], key_ctx[32];
	int params_ok; /* k, n, base hash usable */
	ballot_style *style;
	/* check 2 */
	uint8_t (*roster)[32]; /* R[d-1] = pk_d, from trustees/1/public.json */
	int roster_ok; /* roster usable (n well-formed keys) */
	point *K;
	uint8_t Kenc[POINT_LEN];
	point_table *Kt;
	uint8_t (*Senc)[POINT_LEN]; /* n verification keys as published */
	int keys_ok; /* K and S usable (published and decodable) */
	/* checks 3..5, 8 */
	ve_station *st;
	size_t nst;
	size_t ncast; /* ballots entries of the collected records (check 3) */
	ve_ballot *chal; /* challenged ballots, held in memory (few) */
	size_t nchal;
	uint8_t *chal_cast; /* per chal: its tracking code is also a cast ballot's */
	/* V-14: what check 4 gathers while it reads the ballots one at a time */
	elgamal_ct **sum; /* per option: sum of every decoded cast ballot (R-6 (3)) */
	xcheck_point **xsum; /* [2 s + half]: the same with libgcrypt (check 10) */
	int sum_ok, xsum_ok; /* the sums were made (check 4 ran, memory, decoding) */
	uint64_t nundecoded; /* cast ballots not in the sums */
	size_t undec_station[VE_UNDECODED_LIST], undec_index[VE_UNDECODED_LIST];
	alphasort *alphas; /* B-9: every alpha's fingerprint (verify_alpha.c) */
	int alphas_ok;
	/* R-5 (7): every station log's ballot-cast codes, as (station, code)
	 * in that order (check 3 adds, check 4 merges with each record) */
	alphasort *logcodes;
	int logcodes_ok;
	/* R-5 (9): the roll ids of every good checked_in list, as SHA-256 with
	 * (station << 40 | index) (check 3 adds, check 5 finds one twice) */
	alphasort *rollids;
	int rollids_ok;
	/* the election log's entries, parsed (JSON null where not JSON); NULL
	 * unless the log opened and verified */
	json_t *elog;
	char elog_err[VE_DETAIL_LEN]; /* why elog is NULL */
	/* check 6 */
	uint8_t (*agg)[ELGAMAL_CT_LEN]; /* the published aggregate, per option */
	uint8_t *agg_null; /* per option: 1 if the published ciphertext is null */
	uint8_t agg_sha[32];
	int agg_ok; /* published aggregate decoded with the style's shape */
	/* check 7 */
	uint64_t *counts; /* decoded counts per option (style order) */
	int counts_ok;
	json_t *result; /* tally/result.json */
	uint32_t *used; /* trustees whose partials were combined */
	size_t nused;
	uint8_t (*partial)[ELGAMAL_CT_LEN / 2]; /* [t * total + s] = M_i (65 bytes) */
	uint8_t (*cpproof)[CP_PROOF_LEN]; /* same indexing */
	/* V-7.1: the named votes of the station logs (verify_named.c) */
	named_tally named;
	int named_bad; /* a named-vote entry was refused */
	/* progress */
	progress bar;
	/* check 10: the sample's seed if given (--seed), else NULL (V-12.1) */
	const uint8_t *seed;
	ve_sample xs;
	/* V-3.5: the record of the round a run-off continues, or NULL */
	const char *previous_dir;
	/* V-16: verification split by station (never NULL) */
	const ve_split *split;
	/* check 11: the write-in tuples check 4 collects (verify_writein.c) */
	struct ve_wstate *wi;
} ve_ctx;

/* V-1.2: one failed item of check id per station whose ballots (chal = 0)
 * or challenged ballots (chal = 1) check 3 did not collect, naming the
 * count and the reason; returns the number of ballots not examined (a
 * station of unknown count counts 1). */
uint64_t ve_fail_unexamined(ve_ctx *c, int id, int chal, const char *what);

/* the format of the object o read at rel must be
 * "<name>/<major>" or "<name>/<major>.<minor>" with major = known (the
 * one major version of name this verifier reads; any minor of it is
 * accepted).  Else an item of check id fails, naming rel, the format found
 * and "<name>/<known>", and 0 is returned: the object is not examined
 * further (V-1.2: the callers fail what depends on it). */
int ve_format(ve_ctx *c, int id, const char *rel, const json_t *o, const char *name,
              unsigned known);
/* The same for a format string v (NULL: absent). */
int ve_format_str(ve_ctx *c, int id, const char *rel, const char *v, const char *name,
                  unsigned known);

/* Record an item that passed / failed check id (printf detail). */
void ve_ok(ve_ctx *c, int id);
/* what result.json makes of trustee i's partial (verify_tally.c). */
enum { VE_PARTIAL_OTHER = 0, VE_PARTIAL_USED = 1, VE_PARTIAL_SKIPPED = 2 };
int ve_partial_status(const ve_ctx *c, uint32_t i);
__attribute__((format(printf, 3, 4))) void ve_fail(ve_ctx *c, int id, const char *fmt, ...);

/* Read DIR/rel (at most VE_MAX_FILE bytes, NUL-terminated).  On failure
 * *out is NULL and why (whylen bytes) names the problem. */
Q_MUST_CHECK qerr ve_read(const ve_ctx *c, const char *rel, uint8_t **out, size_t *len, char *why,
                          size_t whylen);
/* Parse DIR/rel as JSON (duplicate keys rejected). */
Q_MUST_CHECK qerr ve_read_json(const ve_ctx *c, const char *rel, json_t **out, char *why,
                               size_t whylen);
/* DIR/rel into out.  Q_ERR_LIMIT if too long. */
Q_MUST_CHECK qerr ve_path(const ve_ctx *c, char *out, size_t outsz, const char *rel);
/* A hex JSON string of exactly len bytes into out.  Q_ERR_FORMAT. */
Q_MUST_CHECK qerr ve_json_hex(const json_t *o, const char *key, uint8_t *out, size_t len);
/* A non-negative integer <= max.  Q_ERR_FORMAT. */
Q_MUST_CHECK qerr ve_json_u64(const json_t *o, const char *key, uint64_t max, uint64_t *v);

/* verify_runoff.c.  B-1: c->style for c->m in round c->round (a run-off's
 * from previous/result.json).  Q_OK, else why names the problem. */
Q_MUST_CHECK qerr ve_round_style(ve_ctx *c, char *why, size_t whylen);
/* V-3.5 (check 1): a run-off record's link to the round it continues
 * (E-5.3), and with c->o->previous_dir that round's record; in round 1,
 * that the manifest is not a run-off's.  params: parameters.json. */
void ve_check_runoff_link(ve_ctx *c, const json_t *params);

/* verify_named.c, V-7.1.  A named-vote entry (P-6.6) at index i of station
 * s's log, payload p: counted if well formed, of a named motion, by a
 * voter of the record's checked_in, once per motion; else an item of check
 * 5 fails naming station, entry and voter. */
void ve_named_entry(ve_ctx *c, const ve_station *s, uint64_t i, const uint8_t *p, size_t len);
/* Check 9: the named contests of counts (a copy of the announced D-1
 * counts) get the re-counted tallies and cast.  0 if a named vote was
 * refused (the decision cannot be recomputed). */
int ve_named_counts(ve_ctx *c, json_t *counts);

/* Open and verify DIR/log and parse its entries into c->elog (not a check:
 * check 3 reports c->elog_err). */
void ve_load_election_log(ve_ctx *c);

/* msg_F = H_T("quorum/v2/tally/trustee-file"; key_ctx, u32(i), rel,
 * SHA-256(bytes)) for the file at rel signed by trustee i. */
void ve_trustee_file_msg(const ve_ctx *c, uint8_t out[32], uint32_t i, const char *rel,
                         const uint8_t *bytes, size_t len);
/* read rel ".sig": exactly 88 base64 characters and "\n", into sig.
 * Q_ERR_NOTFOUND if missing, Q_ERR_FORMAT if malformed; why says which. */
Q_MUST_CHECK qerr ve_read_sig(const ve_ctx *c, const char *rel, uint8_t sig[64], char *why,
                              size_t whylen);
/* 1 if rel (whose bytes are given) carries a valid signature by
 * the roster's trustee i (c->roster_ok required); else 0 and why names
 * the file and the problem. */
int ve_trustee_file_signed(const ve_ctx *c, uint32_t i, const char *rel, const uint8_t *bytes,
                           size_t len, char *why, size_t whylen);

/* The checks (each runs whatever it can and records every result). */
void ve_check_parameters(ve_ctx *c); /* 1: verify_election.c */
void ve_check_trustees(ve_ctx *c); /* 2: verify_election.c */
void ve_check_logs(ve_ctx *c); /* 3: verify_stations.c */
void ve_check_ballots(ve_ctx *c); /* 4 */
void ve_check_alphas(ve_ctx *c); /* 4, B-9: verify_alpha.c */
void ve_check_reconcile(ve_ctx *c); /* 5 */
void ve_check_challenged(ve_ctx *c); /* 8 */

/* verify_roll.c.  Check 3, per station log: entry index is a
 * roll-imported entry with payload p (len bytes): the roll it names must be
 * parameters.json roll_hash (R-5 (10)); _done after the walk fails a log
 * without one.  Check 5: every record's checked_in list (R-5 (9)). */
void ve_station_roll_entry(ve_ctx *c, ve_station *s, uint64_t index, const uint8_t *p, size_t len);
void ve_station_roll_done(ve_ctx *c, ve_station *s);
void ve_check_checked_in(ve_ctx *c);
/* End of check 3 for station si: its checked_in list (and proxies) checked
 * into s->ci_state, its roll ids added to c->rollids, and the list dropped
 * from s->rec (V-14: nothing kept per voter). */
void ve_station_checked_in(ve_ctx *c, size_t si);
/* parameters.json roll_hash, from the bytes check 1 read: 1 if
 * present and well formed. */
int ve_params_roll_hash(const ve_ctx *c, uint8_t out[32]);

/* verify_writein.c, check 11 (V-17; R-12).  _init with the style's
 * ciphertext offsets (ballot_style_ct_offsets) before check 4 reads the
 * ballots; _add with every cast ballot of the style's B-2 length, in record
 * order; _free from ctx_free. */
struct ve_wstate;
void ve_writein_init(ve_ctx *c, const size_t *off);
void ve_writein_add(ve_ctx *c, const uint8_t *enc);
void ve_writein_free(ve_ctx *c);
void ve_check_writeins(ve_ctx *c); /* 11 */
/* Check 9: append the result's write-in candidates to c->m's contests
 * returns what ve_writein_restore needs (NULL: out of memory,
 * nothing changed). */
size_t *ve_writein_extend(ve_ctx *c);
void ve_writein_restore(ve_ctx *c, const size_t *saved);
/* Balloted contest k of the manifest, in the ballot style's order (the
 * contests with options and a limit above 0), or NULL: verify_tally.c. */
const elec_contest *ve_style_contest(const ve_ctx *c, size_t k);
void ve_check_aggregate(ve_ctx *c); /* 6: verify_tally.c */
void ve_check_decryption(ve_ctx *c); /* 7 */
void ve_check_decision(ve_ctx *c); /* 9 */
void ve_check_crosscheck(ve_ctx *c); /* 10: verify_xcheck.c */
/* Check 10's sample drawn now (V-12.1; check 4 calls it as it begins). */
void ve_sample_draw_now(ve_ctx *c);
/* Check 4's in-order pass hands every ballot (global number r) over:
 * kept if sampled. */
void ve_sample_keep(ve_ctx *c, const ve_ballot *b, uint64_t r);
void ve_sample_free(ve_ctx *c);

#endif
