#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# RSA known answers for tests/unit/test_ike_sig.c, made by the openssl
# command line (independently of conduit's code):
#   sh tests/unit/vectors/sig_rsa.sh > tests/unit/vectors/sig_rsa.h
# A new key each run: the header holds the key with its signatures.
# PKCS#1 v1.5 is deterministic, so conduit's own signatures must equal
# these octet for octet; RSASSA-PSS is randomized, so those are verified.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/key.pem" 2>/dev/null
printf 'conduit signed octets: RFC 7427 known answers' >"$tmp/msg"

carray() { # name file
	printf 'static const uint8_t %s[] = {\n' "$1"
	od -An -v -tx1 "$2" | sed 's/ *\([0-9a-f][0-9a-f]\)/0x\1, /g; s/^/\t/; s/, $/,/'
	printf '};\n'
}

echo "/* Made by tests/unit/vectors/sig_rsa.sh with $(openssl version | cut -d' ' -f1-2). */"
echo 'static const char rsa_key_pem[] ='
sed 's/^/\t"/; s/$/\\n"/' "$tmp/key.pem"
echo ';'
echo 'static const char rsa_msg[] = "conduit signed octets: RFC 7427 known answers";'
for h in sha1 sha256 sha384 sha512; do
	openssl dgst -"$h" -sign "$tmp/key.pem" -out "$tmp/s" "$tmp/msg"
	carray "rsa_pkcs1_$h" "$tmp/s"
done
for h in sha256 sha384 sha512; do
	openssl dgst -"$h" -sign "$tmp/key.pem" -sigopt rsa_padding_mode:pss \
		-sigopt rsa_pss_saltlen:digest -sigopt rsa_mgf1_md:"$h" -out "$tmp/s" "$tmp/msg"
	carray "rsa_pss_$h" "$tmp/s"
done
