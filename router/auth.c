/* auth — mysql_native_password. See include/auth.h. */
#include "auth.h"

#include <openssl/sha.h>
#include <string.h>
#include <sys/random.h>

int auth_scramble_generate(uint8_t out[AUTH_SCRAMBLE_LEN])
{
    if (getrandom(out, AUTH_SCRAMBLE_LEN, 0) != AUTH_SCRAMBLE_LEN)
        return -1;
    for (int i = 0; i < AUTH_SCRAMBLE_LEN; i++) {
        out[i] &= 0x7f;
        if (out[i] == 0 || out[i] == '$')
            out[i] = (uint8_t)('A' + i);
    }
    return 0;
}

void auth_native_stage2(const char *password, size_t len, uint8_t out[AUTH_SHA1_LEN])
{
    uint8_t stage1[AUTH_SHA1_LEN];
    SHA1((const unsigned char *)password, len, stage1);
    SHA1(stage1, sizeof(stage1), out);
}

/* SHA1(scramble || stage2) */
static void scrambled_stage2(const uint8_t scramble[AUTH_SCRAMBLE_LEN],
                             const uint8_t stage2[AUTH_SHA1_LEN], uint8_t out[AUTH_SHA1_LEN])
{
    uint8_t tmp[AUTH_SCRAMBLE_LEN + AUTH_SHA1_LEN];
    memcpy(tmp, scramble, AUTH_SCRAMBLE_LEN);
    memcpy(tmp + AUTH_SCRAMBLE_LEN, stage2, AUTH_SHA1_LEN);
    SHA1(tmp, sizeof(tmp), out);
}

void auth_native_token(const char *password, size_t len, const uint8_t scramble[AUTH_SCRAMBLE_LEN],
                       uint8_t out[AUTH_SHA1_LEN])
{
    uint8_t stage1[AUTH_SHA1_LEN], stage2[AUTH_SHA1_LEN], mix[AUTH_SHA1_LEN];
    SHA1((const unsigned char *)password, len, stage1);
    SHA1(stage1, sizeof(stage1), stage2);
    scrambled_stage2(scramble, stage2, mix);
    for (int i = 0; i < AUTH_SHA1_LEN; i++)
        out[i] = stage1[i] ^ mix[i];
}

bool auth_native_check(const uint8_t stage2[AUTH_SHA1_LEN], bool empty_password,
                       const uint8_t scramble[AUTH_SCRAMBLE_LEN], const uint8_t *token,
                       size_t token_len)
{
    if (empty_password)
        return token_len == 0;
    if (token_len != AUTH_SHA1_LEN)
        return false;
    uint8_t mix[AUTH_SHA1_LEN], stage1[AUTH_SHA1_LEN], check[AUTH_SHA1_LEN];
    scrambled_stage2(scramble, stage2, mix);
    for (int i = 0; i < AUTH_SHA1_LEN; i++)
        stage1[i] = token[i] ^ mix[i];
    SHA1(stage1, sizeof(stage1), check);
    uint8_t diff = 0;
    for (int i = 0; i < AUTH_SHA1_LEN; i++)
        diff |= (uint8_t)(check[i] ^ stage2[i]);
    return diff == 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int auth_parse_native_hash(const char *text, uint8_t out[AUTH_SHA1_LEN])
{
    if (text[0] != '*' || strlen(text) != 1 + 2 * AUTH_SHA1_LEN)
        return -1;
    for (int i = 0; i < AUTH_SHA1_LEN; i++) {
        int hi = hexval(text[1 + 2 * i]), lo = hexval(text[2 + 2 * i]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}
