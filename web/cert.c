/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cert.c -- the station's TLS certificate: made once at setup, its
 * fingerprint shown on the admin page and the console. */
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "election/i18n.h"
#include "web.h"

#include "banned.h"

static int write_new(const char *path, mode_t mode, FILE **out)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		fprintf(stderr, _("quorum-web: cannot create %s: %m\n"), path);
		return -1;
	}
	*out = fdopen(fd, "w");
	if (*out == NULL) {
		close(fd);
		return -1;
	}
	return 0;
}

int cert_make(const char *dir, const char *name)
{
	char kp[4096], cp[4096];
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	FILE *kf = NULL, *cf = NULL;
	int rc = -1;
	snprintf(kp, sizeof kp, "%s/station-key.pem", dir);
	snprintf(cp, sizeof cp, "%s/station-cert.pem", dir);
	key = EVP_EC_gen("P-256");
	x = X509_new();
	if (key == NULL || x == NULL)
		goto out;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -86400);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 400);
	X509_set_pubkey(x, key);
	X509_NAME *nm = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8, (const unsigned char *)name, -1, -1, 0);
	X509_set_issuer_name(x, nm);
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	char san[600];
	snprintf(san, sizeof san, "DNS:%s,DNS:localhost,IP:127.0.0.1", name);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, san);
	if (ext == NULL)
		goto out;
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (X509_sign(x, key, EVP_sha256()) == 0)
		goto out;
	if (write_new(kp, 0600, &kf) != 0)
		goto out;
	if (write_new(cp, 0644, &cf) != 0) {
		unlink(kp);
		goto out;
	}
	if (PEM_write_PrivateKey(kf, key, NULL, NULL, 0, NULL, NULL) != 1 ||
	    PEM_write_X509(cf, x) != 1)
		goto out;
	rc = 0;
out:
	if (kf != NULL && fclose(kf) != 0)
		rc = -1;
	if (cf != NULL && fclose(cf) != 0)
		rc = -1;
	if (rc != 0)
		fprintf(stderr, "%s", _("quorum-web: could not make the station certificate\n"));
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

int cert_fingerprint(const char *pem, char out[96])
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509 *x = bio != NULL ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	int rc = -1;
	if (x != NULL && X509_digest(x, EVP_sha256(), md, &n) == 1 && n == 32) {
		for (unsigned i = 0; i < n; i++)
			snprintf(out + 3 * i, 4, "%02X%s", md[i], i + 1 < n ? ":" : "");
		rc = 0;
	}
	X509_free(x);
	BIO_free(bio);
	return rc;
}
