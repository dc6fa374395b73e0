#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Expected values for the AES-XCBC, AES-CMAC, AES-CTR and AES-CCM parts of
tests/unit/test_ike_crypto.c, and for 3DES and HMAC-MD5 in the Encrypted
payload.

Computed with Python's `cryptography` package (Debian: python3-cryptography)
for the block cipher, CMAC and CCM, and with AES-XCBC-MAC written out here
from RFC 3566, so the test checks conduit's ike/crypto*.c against an
independent implementation. The published vectors of RFC 3566, 4434, 4493,
4615 and 3686 are asserted first, which checks this script itself. Run it
and paste its output into the test:

    python3 tests/unit/vectors/ike_aes_modes.py
"""
import hmac
import warnings

from cryptography.hazmat.primitives import cmac as _cmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM, AESGCM

warnings.simplefilter("ignore")  # TripleDES is "decrepit", and exactly what we test


def aes_ecb(key, block):
    e = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return e.update(block) + e.finalize()


def xor(a, b):
    return bytes(x ^ y for x, y in zip(a, b))


def xcbc(key, msg):
    """AES-XCBC-MAC, RFC 3566 section 4, with a 128-bit key."""
    assert len(key) == 16
    k1 = aes_ecb(key, b"\x01" * 16)
    k2 = aes_ecb(key, b"\x02" * 16)
    k3 = aes_ecb(key, b"\x03" * 16)
    blocks = [msg[i:i + 16] for i in range(0, len(msg), 16)] or [b""]
    e = bytes(16)
    for m in blocks[:-1]:
        e = aes_ecb(k1, xor(m, e))
    last = blocks[-1]
    if len(last) == 16:
        last = xor(last, k2)
    else:
        last = xor(last + b"\x80" + bytes(15 - len(last)), k3)
    return aes_ecb(k1, xor(last, e))


def xcbc_prf(key, msg):
    """AES-XCBC-PRF-128, RFC 4434 section 2."""
    if len(key) < 16:
        key = key + bytes(16 - len(key))
    elif len(key) > 16:
        key = xcbc(bytes(16), key)
    return xcbc(key, msg)


def cmac(key, msg):
    c = _cmac.CMAC(algorithms.AES(key))
    c.update(msg)
    return c.finalize()


def cmac_prf(key, msg):
    """AES-CMAC-PRF-128, RFC 4615 section 3."""
    if len(key) != 16:
        key = cmac(bytes(16), key)
    return cmac(key, msg)


def ctr(key, nonce, iv, data):
    """RFC 3686: counter block nonce | IV | 00000001."""
    d = Cipher(algorithms.AES(key), modes.CTR(nonce + iv + b"\0\0\0\1")).encryptor()
    return d.update(data) + d.finalize()


H = bytes.fromhex
SEQ16 = bytes(range(16))
SEQ20 = bytes(range(20))

# RFC 3566 section 4 (AES-XCBC-MAC-96 test cases: the full 128-bit MACs)
assert xcbc(SEQ16, b"") == H("75f0251d528ac01c4573dfd584d79f29")
assert xcbc(SEQ16, bytes(range(3))) == H("5b376580ae2f19afe7219ceef172756f")
assert xcbc(SEQ16, SEQ16) == H("d2a246fa349b68a79998a4394ff7a263")
assert xcbc(SEQ16, SEQ20) == H("47f51b4564966215b8985c63055ed308")
assert xcbc(SEQ16, bytes(range(32))) == H("f54f0ec8d2b9f3d36807734bd5283fd4")
assert xcbc(SEQ16, bytes(range(34))) == H("becbb3bccdb518a30677d5481fb6b4d8")
assert xcbc(SEQ16, bytes(1000)) == H("f0dafee895db30253761103b5d84528f")
# RFC 4434 section 6 (AES-XCBC-PRF-128 with 16, 10 and 18-octet keys)
assert xcbc_prf(SEQ16, SEQ20) == H("47f51b4564966215b8985c63055ed308")
assert xcbc_prf(bytes(range(10)), SEQ20) == H("0fa087af7d866e7653434e602fdde835")
assert xcbc_prf(SEQ16 + H("edcb"), SEQ20) == H("8cd3c93ae598a9803006ffb67c40e9e4")
# RFC 4493 section 4 (AES-CMAC)
K4493 = H("2b7e151628aed2a6abf7158809cf4f3c")
M4493 = H("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
          "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710")
assert cmac(K4493, b"") == H("bb1d6929e95937287fa37d129b756746")
assert cmac(K4493, M4493[:16]) == H("070a16b46b4d4144f79bdd9dd04a287c")
assert cmac(K4493, M4493[:40]) == H("dfa66747de9ae63030ca32611497c827")
assert cmac(K4493, M4493) == H("51f0bebf7e3b9d92fc49741779363cfe")
# RFC 4615 section 4 (AES-CMAC-PRF-128 with 18, 16 and 10-octet keys)
assert cmac_prf(SEQ16 + H("edcb"), SEQ20) == H("84a348a4a45d235babfffc0d2b4da09a")
assert cmac_prf(SEQ16, SEQ20) == H("980ae87b5f4c9c5214f5b6a8455e4c2d")
assert cmac_prf(bytes(range(10)), SEQ20) == H("290d9e112edb09ee141fcf64c0b72f3d")
# RFC 3686 section 6, test vectors #1, #2 and #7
assert ctr(H("ae6852f8121067cc4bf7a5765577f39e"), H("00000030"), bytes(8),
           b"Single block msg") == H("e4095d4fb7a7b3792d6175a3261311b8")
assert ctr(H("7e24067817fae0d743d6ce1f32539163"), H("006cb6db"), H("c0543b59da48d90b"),
           bytes(range(32))) == H("5104a106168a72d9790d41ee8edad388"
                                  "eb2e1efc46da57c8fce630df9141be28")
assert ctr(H("776beff2851db06f4c8a0542c8696f6c6a81af1eec96b4d37fc1d689e6c1c104"),
           H("00000060"), H("db5672c97aa8f0b2"),
           b"Single block msg") == H("145ad01dbf824ec7560863dc71e3e0c0")


def emit(name, value):
    h = value.hex()
    lines = [h[i:i + 64] for i in range(0, len(h), 64)] or [""]
    print("static const char %s[] =" % name)
    for i, line in enumerate(lines):
        print('\t"%s"%s' % (line, ";" if i == len(lines) - 1 else ""))


def pattern(n, mul, add):
    return bytes((i * mul + add) & 0xFF for i in range(n))


def prf_plus(prf, key, seed, length):
    out, t, n = b"", b"", 1
    while len(out) < length:
        t = prf(key, t + seed + bytes([n]))
        out += t
        n += 1
    return out[:length]


print("/* generated by tests/unit/vectors/ike_aes_modes.py */")

# Key derivation with the fixed-key PRFs, from the inputs of ikev2_kdf.py:
# RFC 7296 2.14, SKEYSEED = prf(Ni[0..7] | Nr[0..7], g^ir) for a PRF with a
# 128-bit key; prf+ keyed with SKEYSEED (16 octets, used as is).
NI = pattern(32, 7, 1)
NR = pattern(48, 13, 5)
SPI_I = H("0102030405060708")
SPI_R = H("1112131415161718")
GIR = pattern(256, 31, 17)
for name, prf, integ_len, encr_len in [("xcbc", xcbc_prf, 16, 16 + 4),
                                       ("cmac", cmac_prf, 0, 32 + 3)]:
    skeyseed = prf(NI[:8] + NR[:8], GIR)
    sizes = [16, integ_len, integ_len, encr_len, encr_len, 16, 16]
    km = prf_plus(prf, skeyseed, NI + NR + SPI_I + SPI_R, sum(sizes))
    emit("kdf_%s_keys" % name, km)
    sk_d = km[:16]
    # a CHILD SA without PFS: KEYMAT = prf+(SK_d, Ni | Nr), 2 x (20 + 16)
    emit("kdf_%s_child_keymat" % name, prf_plus(prf, sk_d, NI + NR, 2 * (20 + 16)))

# The Encrypted payload (RFC 7296 3.14) of a message: the "header" (IKE
# header and SK payload header: the AEAD's associated data) is i * 7 + 1,
# the plaintext i * 11 + 3, the IV i * 5 + len, the encryption key (with
# its salt) i * 29 + 7 and the integrity key i * 41 + 3, as in
# test_ike_crypto.c. Padding is zeros and minimal.
HDR = pattern(32, 7, 1)


def sk_message(encr, key_len, salt_len, block, iv_len, icv, integ, plain_len):
    ekey = pattern(key_len + salt_len, 29, 7)
    iv = pattern(16, 5, plain_len)[:iv_len]
    plain = pattern(plain_len, 11, 3)
    ct_len = (plain_len + 1 + block - 1) // block * block
    padded = plain + bytes(ct_len - plain_len - 1) + bytes([ct_len - plain_len - 1])
    k, salt = ekey[:key_len], ekey[key_len:]
    if encr == "ccm":
        out = AESCCM(k, tag_length=icv).encrypt(salt + iv, padded, HDR)
        return iv + out
    if encr == "gcm":
        full = AESGCM(k).encrypt(salt + iv, padded, HDR)
        return iv + full[:-16] + full[-16:][:icv]
    if encr == "ctr":
        ct = ctr(k, salt, iv, padded)
    elif encr == "cbc":
        e = Cipher(algorithms.AES(k), modes.CBC(iv)).encryptor()
        ct = e.update(padded) + e.finalize()
    elif encr == "3des":
        e = Cipher(algorithms.TripleDES(k), modes.CBC(iv)).encryptor()
        ct = e.update(padded) + e.finalize()
    name, akey_len, icv_len = integ
    akey = pattern(akey_len, 41, 3)
    signed = HDR + iv + ct
    if name == "xcbc":
        mac = xcbc(akey, signed)
    elif name == "cmac":
        mac = cmac(akey, signed)
    else:
        mac = hmac.new(akey, signed, name).digest()
    return iv + ct + mac[:icv_len]


NO = None
SK = [
    ("sk_ctr128_xcbc", ("ctr", 16, 4, 1, 8, 0, ("xcbc", 16, 12))),
    ("sk_ctr256_sha256", ("ctr", 32, 4, 1, 8, 0, ("sha256", 32, 16))),
    ("sk_cbc128_cmac", ("cbc", 16, 0, 16, 16, 0, ("cmac", 16, 12))),
    ("sk_3des_md5", ("3des", 24, 0, 8, 8, 0, ("md5", 16, 12))),
    ("sk_ccm128_8", ("ccm", 16, 3, 1, 8, 8, NO)),
    ("sk_ccm192_12", ("ccm", 24, 3, 1, 8, 12, NO)),
    ("sk_ccm256_16", ("ccm", 32, 3, 1, 8, 16, NO)),
    ("sk_gcm128_8", ("gcm", 16, 4, 1, 8, 8, NO)),
    ("sk_gcm256_12", ("gcm", 32, 4, 1, 8, 12, NO)),
]
for name, args in SK:
    emit(name, sk_message(*args, 21))
