/*
 * auth — password checks for client logins (pure, no I/O).
 *
 * mysql_native_password: the client sends
 *     token = SHA1(password) XOR SHA1(scramble || SHA1(SHA1(password)))
 * and the server, knowing stage2 = SHA1(SHA1(password)), recovers
 * SHA1(password) and checks that its SHA1 equals stage2. An empty password
 * is an empty token.
 */
#ifndef AUTH_H
#define AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AUTH_SCRAMBLE_LEN 20
#define AUTH_SHA1_LEN 20

/* Fill out with a fresh random scramble: printable-safe bytes 1..127
 * without '\0' or '$', as servers send. Returns 0 or -1 (no entropy). */
int auth_scramble_generate(uint8_t out[AUTH_SCRAMBLE_LEN]);

/* stage2 = SHA1(SHA1(password)). */
void auth_native_stage2(const char *password, size_t len, uint8_t out[AUTH_SHA1_LEN]);

/* The token a client computes for password and scramble. */
void auth_native_token(const char *password, size_t len, const uint8_t scramble[AUTH_SCRAMBLE_LEN],
                       uint8_t out[AUTH_SHA1_LEN]);

/*
 * Check a client's token. empty_password: the account has no password
 * (then only an empty token passes and stage2 is ignored). Constant time in
 * the token's contents. Returns true when it matches.
 */
bool auth_native_check(const uint8_t stage2[AUTH_SHA1_LEN], bool empty_password,
                       const uint8_t scramble[AUTH_SCRAMBLE_LEN], const uint8_t *token,
                       size_t token_len);

/* Parse a MySQL native hash "*" + 40 hex digits (as in mysql.user) into
 * stage2. Returns 0 or -1. */
int auth_parse_native_hash(const char *text, uint8_t out[AUTH_SHA1_LEN]);

#endif
