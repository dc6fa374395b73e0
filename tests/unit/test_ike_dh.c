/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ike/dh.c: RFC 7748 and RFC 5903 known answers, MODP values computed by
 * tests/unit/vectors/modp.py, and the rejection of invalid peer values. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "ike/crypto.h"
#include "ike/dh.h"
#include "ike/ike_const.h"
#include "tests/unit/unit.h"

static size_t unhex(const char *hex, uint8_t *out, size_t size)
{
	size_t n = strlen(hex) / 2;

	ck_assert_uint_eq(strlen(hex) % 2, 0);
	ck_assert_uint_le(n, size);
	for (size_t i = 0; i < n; i++) {
		unsigned int v;

		ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

static void assert_hex(const uint8_t *buf, size_t len, const char *hex)
{
	uint8_t want[512];
	size_t n = unhex(hex, want, sizeof(want));

	ck_assert_uint_eq(len, n);
	ck_assert_mem_eq(buf, want, n);
}

static struct ike_dh *dh_new_hex(uint16_t group, const char *rnd_hex)
{
	uint8_t rnd[128];
	size_t n = unhex(rnd_hex, rnd, sizeof(rnd));
	struct ike_dh *dh = NULL;

	ck_assert_uint_eq(n, ike_dh_random_len(group));
	ck_assert_int_eq(ike_dh_new(&dh, group, rnd, n), 0);
	ck_assert_ptr_nonnull(dh);
	ck_assert_uint_eq(ike_dh_group(dh), group);
	return dh;
}

static void assert_public(const struct ike_dh *dh, const char *hex)
{
	size_t len = 0;
	const uint8_t *pub = ike_dh_public(dh, &len);

	ck_assert_uint_eq(len, ike_dh_public_len(ike_dh_group(dh)));
	assert_hex(pub, len, hex);
}

/* Computes with the peer's public value and checks g^ir. */
static void assert_shared(struct ike_dh *dh, const struct ike_dh *peer, const char *hex)
{
	size_t len = 0, plen = 0;
	const uint8_t *pub = ike_dh_public(peer, &plen);

	ck_assert_ptr_null(ike_dh_shared(dh, &len));
	ck_assert_int_eq(ike_dh_compute(dh, pub, plen), 0);
	ck_assert_ptr_nonnull(ike_dh_shared(dh, &len));
	ck_assert_uint_eq(len, ike_dh_shared_len(ike_dh_group(dh)));
	assert_hex(ike_dh_shared(dh, NULL), len, hex);
}

/* ---- RFC 7748 section 6: the private value is the random input as is ---- */

struct kat {
	uint16_t group;
	const char *rnd_i, *pub_i, *rnd_r, *pub_r, *shared;
};

static const struct kat ecx_kats[] = {
	{ IKE_DH_CURVE25519, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
	  "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
	  "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
	  "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
	  "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742" },
	{ IKE_DH_CURVE448,
	  "9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf5"
	  "74a9419744897391006382a6f127ab1d9ac2d8c0a598726b",
	  "9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bb"
	  "c836647241d953d40c5b12da88120d53177f80e532c41fa0",
	  "1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d6927c120"
	  "bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d",
	  "3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972"
	  "fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609",
	  "07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56"
	  "fd2464c335543936521c24403085d59a449a5037514a879d" },
};

static void run_kat(const struct kat *k)
{
	struct ike_dh *i = dh_new_hex(k->group, k->rnd_i);
	struct ike_dh *r = dh_new_hex(k->group, k->rnd_r);

	assert_public(i, k->pub_i);
	assert_public(r, k->pub_r);
	assert_shared(i, r, k->shared);
	assert_shared(r, i, k->shared);
	ike_dh_free(i);
	ike_dh_free(r);
}

START_TEST(test_ecx_rfc7748)
{
	run_kat(&ecx_kats[_i]);
}
END_TEST

/* ---- RFC 5903 section 8 ---- */

/*
 * conduit's ECP private value is (rnd mod (n-1)) + 1, rnd having 8 octets
 * more than n: the random input 0^8 | (i - 1) gives the private value i.
 */
static const char *ecp_rnd(const char *priv_hex, char *out, size_t size)
{
	uint8_t v[80];
	size_t n = unhex(priv_hex, v, sizeof(v));

	ck_assert_uint_le(16 + 2 * n + 1, size);
	for (size_t j = n; j-- > 0;) { /* v - 1, big-endian */
		if (v[j]--)
			break;
	}
	strcpy(out, "0000000000000000");
	for (size_t j = 0; j < n; j++)
		sprintf(out + 16 + 2 * j, "%02x", v[j]);
	return out;
}

static const struct kat ecp_kats[] = {
	{ IKE_DH_ECP256, "c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433",
	  "dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180"
	  "5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3",
	  "c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53",
	  "d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63"
	  "56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab",
	  "d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de" },
	{ IKE_DH_ECP384,
	  "099f3c7034d4a2c699884d73a375a67f7624ef7c6b3c0f160647b67414dce655"
	  "e35b538041e649ee3faef896783ab194",
	  "667842d7d180ac2cde6f74f37551f55755c7645c20ef73e31634fe72b4c55ee6"
	  "de3ac808acb4bdb4c88732aee95f41aa"
	  "9482ed1fc0eeb9cafc4984625ccfc23f65032149e0e144ada024181535a0f38e"
	  "eb9fcff3c2c947dae69b4c634573a81c",
	  "41cb0779b4bdb85d47846725fbec3c9430fab46cc8dc5060855cc9bda0aa2942"
	  "e0308312916b8ed2960e4bd55a7448fc",
	  "e558dbef53eecde3d3fccfc1aea08a89a987475d12fd950d83cfa41732bc509d"
	  "0d1ac43a0336def96fda41d0774a3571"
	  "dcfbec7aacf3196472169e838430367f66eebe3c6e70c416dd5f0c68759dd1ff"
	  "f83fa40142209dff5eaad96db9e6386c",
	  "11187331c279962d93d604243fd592cb9d0a926f422e47187521287e7156c5c4"
	  "d603135569b9e9d09cf5d4a270f59746" },
	{ IKE_DH_ECP521,
	  "0037ade9319a89f4dabdb3ef411aaccca5123c61acab57b5393dce47608172a0"
	  "95aa85a30fe1c2952c6771d937ba9777f5957b2639bab072462f68c27a57382d"
	  "4a52",
	  "0015417e84dbf28c0ad3c278713349dc7df153c897a1891bd98bab4357c9ecbe"
	  "e1e3bf42e00b8e380aeae57c2d107564941885942af5a7f4601723c4195d176c"
	  "ed3e"
	  "017cae20b6641d2eeb695786d8c946146239d099e18e1d5a514c739d7cb4a10a"
	  "d8a788015ac405d7799dc75e7b7d5b6cf2261a6a7f1507438bf01beb6ca3926f"
	  "9582",
	  "0145ba99a847af43793fdd0e872e7cdfa16be30fdc780f97bccc3f078380201e"
	  "9c677d600b343757a3bdbf2a3163e4c2f869cca7458aa4a4effc311f5cb15168"
	  "5eb9",
	  "00d0b3975ac4b799f5bea16d5e13e9af971d5e9b984c9f39728b5e5739735a21"
	  "9b97c356436adc6e95bb0352f6be64a6c2912d4ef2d0433ced2b6171640012d9"
	  "460f"
	  "015c68226383956e3bd066e797b623c27ce0eac2f551a10c2c724d9852077b87"
	  "220b6536c5c408a1d2aebb8e86d678ae49cb57091f4732296579ab44fcd17f0f"
	  "c56a",
	  "01144c7d79ae6956bc8edb8e7c787c4521cb086fa64407f97894e5e6b2d79b04"
	  "d1427e73ca4baa240a34786859810c06b3c715a3a8cc3151f2bee417996d19f3"
	  "ddea" },
};

START_TEST(test_ecp_rfc5903)
{
	const struct kat *k = &ecp_kats[_i];
	char rnd_i[200], rnd_r[200];
	struct kat adj = *k;

	adj.rnd_i = ecp_rnd(k->rnd_i, rnd_i, sizeof(rnd_i));
	adj.rnd_r = ecp_rnd(k->rnd_r, rnd_r, sizeof(rnd_r));
	run_kat(&adj);
}
END_TEST

/* ---- MODP: expected values from tests/unit/vectors/modp.py ---- */

/* generated by tests/unit/vectors/modp.py */
static const char modp2048_p[] = "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74"
				 "020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f1437"
				 "4fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed"
				 "ee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf05"
				 "98da48361c55d39a69163fa8fd24cf5f83655d23dca3ad961c62f356208552bb"
				 "9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3b"
				 "e39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf695581718"
				 "3995497cea956ae515d2261898fa051015728e5a8aacaa68ffffffffffffffff";
static const char modp3072_p[] = "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74"
				 "020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f1437"
				 "4fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed"
				 "ee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf05"
				 "98da48361c55d39a69163fa8fd24cf5f83655d23dca3ad961c62f356208552bb"
				 "9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3b"
				 "e39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf695581718"
				 "3995497cea956ae515d2261898fa051015728e5a8aaac42dad33170d04507a33"
				 "a85521abdf1cba64ecfb850458dbef0a8aea71575d060c7db3970f85a6e1e4c7"
				 "abf5ae8cdb0933d71e8c94e04a25619dcee3d2261ad2ee6bf12ffa06d98a0864"
				 "d87602733ec86a64521f2b18177b200cbbe117577a615d6c770988c0bad946e2"
				 "08e24fa074e5ab3143db5bfce0fd108e4b82d120a93ad2caffffffffffffffff";
static const char modp_rnd_i[] = "0b30557a9fc4e90e33587da2c7ec11365b80a5caef14395e83a8cdf2173c6186"
				 "abd0f51a3f6489ae";
static const char modp_rnd_r[] = "8cc1f62b6095caff34699ed3083d72a7dc11467bb0e51a4f84b9ee23588dc2f7"
				 "2c6196cb00356a9f";
static const char modp2048_gi[] =
    "248ec2a13231b9bb7495c5b7d4de766104092f90b4d223dac5500dfbe5a32ad4"
    "a0e709aa55446ea3a64aaddee295d6afff3375ed9a60c94b523486d18078d134"
    "4952bf3bec4a5949cdfabd1123779cd964e3f0df8e7bdc5ebf4924c5600d9da4"
    "3dff004c05e1c70e52f9b96457392e4be4b5d3763c4a9d50ee73bd8f7cd123ba"
    "00139b0517fbe931efc3ea8f76e8d59cf806ad9815192027d3c55dbb2bdff11d"
    "4929b1b10ef3152154cf8bead22f7eabcca6c3e052873615704647c01b1326d3"
    "22dab3e47c4b9f621c7b5277ae4f6713bf451ac8f01b7b2a972a682acef7dc88"
    "d4a551662dcdcba2e8270c9930edb3ba67ee41db5acc6559f9321f1cc0688d3e";
static const char modp2048_gr[] =
    "d7f9c1335e62c7f563129f4e35f8b299bf8ae2416c5675ed62f8dcbbe5190745"
    "8f46d79505c0e198c0995ba5901d0fc9011fe6d88ce4b304b0cfaaa9e5fe1cf3"
    "810ac91d5eec4edf0bf30ceac30f5ce16b3930c03412473da9620be0e9534a42"
    "2c48ac49016997ec627670aa8afde42d1e5c34ee6c043772a22513ad22fec002"
    "2317c2a5d287f02e2f4557daf11fa9849e7dd6532c1f8580f1a9c41dec46c58b"
    "6c967b9ad1c7be8dce136184206a4faf480f2931789490772985e5bce218dd1a"
    "c8d47c01075818a7e383a60171a8bfd9b839b10bd27254e435ac480ff274c529"
    "b14260d0584ed8a00efd3f1647011df92d35a2cb2ccd5db4adf1b115a1b4091c";
static const char modp2048_gir[] =
    "07b988a65e9da721133a4df9468c9ba592e41d4d2b145d4a99c618c6ee3cb949"
    "fd3321ccbccc3edc0bc316ad2c16d50eb14ce48f6d49afe24c86aa3233516a78"
    "bdd6a8c01a6d4a60041ecba5f899554b9dd682ff2e4cb05472ca937111e8aee2"
    "99cbcef68a7c60e7eab0707a8869200791c28bede73226b47d25adf48cbe07f4"
    "02a0e700f1e916768e42ca1e1e68309ce28e670f3c8c7a3c8d54bb3ccc88365c"
    "dd1a8afaad86eec8a98a6b83152fef57de1d8aecbc37056b00584d0e46ebed5c"
    "cd6b058dbb806ae400969a789397a62c32ca2dd7908b781053931cab56ff3f07"
    "7de56425970bf3cada2e5cba5f138bf692a550c0349b9006a02377ce0e43285b";
static const char modp3072_gi[] =
    "15324b0366b3958ff08d6e45ab135f05dc50fd80461d5b0227fc5bb5d88177aa"
    "b25157854902b7b22a75f40f990ec68b28a138ca134c81c87e860bc6e4ca83b2"
    "4cbb2ee6bc3c95ec02c397f8e6c89156bb7478b811a4bd312c591603506089a3"
    "c959bf5b278a622efd466fa1b984cf7a9d8e341853b949bc75e8b7ecbde699ad"
    "6f206b4f29bff65444df20588d3064eecc061d3a2d958bf5ec7f767fe4530aee"
    "1ccb4282e3ce8d8cbbd47d5e0d4e1c01bb4516778c78679d856cb6f176022e9b"
    "13f7a9bc32a47666509c0a218036c3d8380e25104a573bbfbf9fd937ab493b0b"
    "880d42c278954be5b690834129ad4f726ca0e557c6016c16f988960c1c9317dd"
    "ecdb080c757f14b46f12e464de6107f935533a9175f4cb67c2ac10bb7a80ae25"
    "b1a3786bb4a7b34f9bb56d1984a19cc3aa56e74dab21f51fa8c6a91485ff3364"
    "475917202caaa43fdbbcc63d05fdf56adf96053bcde6e96af83670a080cb258c"
    "faf400f9d5449f30eca0bea07fea8b1175c4b890966f0e85eb00637bf8a60ee0";
static const char modp3072_gr[] =
    "a47831a7530d5ca787d545e4e4bb600d41d7fcf3840c9e84970b9ea06f178860"
    "7bd83e85aeeee481456db1b2ff1c608910b7d56b09656a4c8cfdc42dcfdc55bc"
    "320bec792f70ec1280a173db0e54ca792255ed508db130acbc55dcc1a77d1c6b"
    "5eaada29c3ce2ff941eefc42ece42eee907d5f91ede4f90f4491f01b853d8011"
    "67e4099ac52f915185b7a88447a394ae7aea8430af6e161f67063e1ac08f4a82"
    "0c5d5d5f35413c129c9566fcd93248158dd469757a018450bc5667c80bc5e5d2"
    "3fb30536f052d37c3609ad1072701792a4c68dd438939cd9a52c0d535b714f78"
    "361c21adcd20e60cd3092379bfe7be1837cf54ed7e8bd9321788604c47caa2e3"
    "cad559f9e939f5c8121fe699849b10495c4c105b2ade1d114439bdc94c1c7fb9"
    "5bce57cd3cf45767b6c0a4a130f00d34ccf3a5562ad556ac1b8e439665d08121"
    "0b689c58b8e284b689381cfc1e063dd4282850cca5783d833ad085ceb2567306"
    "e82230f54f62dc1656ec49361cdd534a0cd568edf5141a3b42e9f28ea797bb82";
static const char modp3072_gir[] =
    "95f3272eb098d9205cb538983a76a2f6b03689e2bf067707087b86e4f2a35db7"
    "023c9dc82b8b2285d50416bf7286ad13df0680a6a184e1a4d618982c96f384db"
    "3dc8b46d0c469efdf7a5254e57e9fbcbad189955e1fdc1fb60b6f38787eea7d7"
    "d5c8ed69c016fcc53251995618eb59c6f1579d0053345734cacabc0421598856"
    "56e0b1afbd864dd0ef6003b74ab02bbf016bb9b2176efb66d1e617a20a75d359"
    "d92d44d42e2c4a294e7133c2905becd44778cf0215a2dfe08684e8614c22fffd"
    "7bc6c869cbf1b3e8aa2d75404c01b87e94bf0aa66865c14cec64f35d6b3266f4"
    "d2ecbcc36d704b19859ed5249e4043cb64a9815e55ca1c041c6882476709a16e"
    "2d8c0a570f35a7dec374e737cb0346218b43a291e765fa8beefd4c5a45e11abe"
    "c4c24aefc273c654672707c009954f00543cf7a424aabfad449c5be5c7fd41c0"
    "fad11d2d28266801f5fa40ec8042402f122ef5ff69a4798a7e07e234ea83dc02"
    "9ee4fab7d1db8dfd9de6789014ce13104d74f9e38a7b82cf2e3d5f39238e6ba7";

START_TEST(test_modp_kat)
{
	const struct kat k[] = {
		{ IKE_DH_MODP2048, modp_rnd_i, modp2048_gi, modp_rnd_r, modp2048_gr, modp2048_gir },
		{ IKE_DH_MODP3072, modp_rnd_i, modp3072_gi, modp_rnd_r, modp3072_gr, modp3072_gir },
	};

	run_kat(&k[_i]);
}
END_TEST

/* The groups added with the algorithm table, as SHA-256 digests of the
 * values (tests/unit/vectors/modp.py): g^i, g^r, g^ir. */
static const struct {
	uint16_t group;
	size_t rnd_len;
	const char *gi, *gr, *gir;
} modp_digests[] = {
	{
	    IKE_DH_MODP1024,
	    40,
	    "6f05bbf721d5974f061592c51170a7ecedc8672284761b3095b11e16629f266b",
	    "f6e2805f2f7d3def49a1c412feba5ae8534a05e0de2c1b1bfaed09da89aa5f14",
	    "d08d41c6654d2a23706a7f673f09dfe7dd35a7ed1f09505e4d36b4d0eb4e6163",
	},
	{
	    IKE_DH_MODP1536,
	    40,
	    "d92de842b8195ea4c1d463f626afc2566dabbf1016f95e50a8ac18dc02790029",
	    "4858654c8e8161c08240fe33d3b0b171a9dd42b0596652b8547e75f2d34af8b5",
	    "560cfb7607a0767f1e4605009491c912b7462f786453bc8cdb6c539615c84541",
	},
	{
	    IKE_DH_MODP4096,
	    48,
	    "a72c21f367ac05fbf37956c1096f1771d14de7c1fdb3a532fed8630964f0c069",
	    "ad929d5902508a50f4063dd0e8988aede9bbf1d592e8d420641e546a3fcaca9f",
	    "fbe1ae7b966881aa63f52f4e53547cee968a8a3580655b0d72208fe1ed7eb8fe",
	},
	{
	    IKE_DH_MODP6144,
	    56,
	    "18152a03fd469fb7ca9a0113f262b599f17dcc3eac8cb0c108c33b1af3424060",
	    "2d9461ac5c691e4f3fca644b5bfa7920bb9596f7b564a9bbb104200dd7a4fef5",
	    "e82e4ff8d452b13dce8192ca32154b9562254ddd61dd1754367411f3801dcfce",
	},
	{
	    IKE_DH_MODP8192,
	    64,
	    "83b967357bf6603e0e5f672eb1a95b0ba347b9cd380df57b17afa4a6150f3649",
	    "cf992af058fcc9c0b49455666d029979a6ff3d8ee311b42bde6b4afb93e4813d",
	    "be84a148e2b76c29f68b310944ac38fd448659d7459db5d655399fab88d662f2",
	},
};

static void assert_digest(const uint8_t *buf, size_t len, const char *hex)
{
	uint8_t md[32];
	unsigned int md_len = 0;

	ck_assert(EVP_Digest(buf, len, md, &md_len, EVP_sha256(), NULL));
	assert_hex(md, md_len, hex);
}

START_TEST(test_modp_kat_digests)
{
	uint16_t group = modp_digests[_i].group;
	size_t n = modp_digests[_i].rnd_len, len;
	uint8_t ri[64], rr[64];
	struct ike_dh *i, *r;
	const uint8_t *pi, *pr;

	ck_assert_uint_eq(ike_dh_random_len(group), n);
	for (size_t k = 0; k < n; k++) {
		ri[k] = (uint8_t)(k * 37 + 11);
		rr[k] = (uint8_t)(k * 53 + 140);
	}
	ck_assert_int_eq(ike_dh_new(&i, group, ri, n), 0);
	ck_assert_int_eq(ike_dh_new(&r, group, rr, n), 0);
	pi = ike_dh_public(i, &len);
	ck_assert_uint_le(len, IKE_DH_PUBLIC_MAX_LEN);
	assert_digest(pi, len, modp_digests[_i].gi);
	pr = ike_dh_public(r, &len);
	assert_digest(pr, len, modp_digests[_i].gr);
	ck_assert_int_eq(ike_dh_compute(i, pr, len), 0);
	ck_assert_int_eq(ike_dh_compute(r, pi, len), 0);
	pi = ike_dh_shared(i, &len);
	ck_assert_uint_le(len, IKE_DH_SHARED_MAX_LEN);
	assert_digest(pi, len, modp_digests[_i].gir);
	assert_digest(ike_dh_shared(r, NULL), len, modp_digests[_i].gir);
	ike_dh_free(i);
	ike_dh_free(r);
}
END_TEST

/* RFC 6989: 1 < y < p-1, and exactly the prime's length. */
START_TEST(test_modp_range)
{
	const uint16_t group = _i == 0 ? IKE_DH_MODP2048 : IKE_DH_MODP3072;
	const char *p_hex = _i == 0 ? modp2048_p : modp3072_p;
	uint8_t p[IKE_DH_PUBLIC_MAX_LEN + 1], y[IKE_DH_PUBLIC_MAX_LEN + 1];
	size_t n = unhex(p_hex, p, sizeof(p)), len;
	struct ike_dh *dh = dh_new_hex(group, modp_rnd_i);

	ck_assert_uint_eq(n, ike_dh_public_len(group));
	ck_assert_uint_eq(n, ike_dh_shared_len(group));
	/* 0, 1 */
	memset(y, 0, n);
	ck_assert_int_eq(ike_dh_compute(dh, y, n), -EINVAL);
	y[n - 1] = 1;
	ck_assert_int_eq(ike_dh_compute(dh, y, n), -EINVAL);
	ck_assert_ptr_null(ike_dh_shared(dh, &len));
	/* p, p - 1 (p ends in 0xff), p + 1, 2^n - 1 */
	memcpy(y, p, n);
	ck_assert_int_eq(ike_dh_compute(dh, y, n), -EINVAL);
	y[n - 1] = 0xfe;
	ck_assert_int_eq(ike_dh_compute(dh, y, n), -EINVAL);
	memset(y, 0xff, n);
	ck_assert_int_eq(ike_dh_compute(dh, y, n), -EINVAL);
	/* too long (even with a leading zero) or too short */
	y[0] = 0;
	memset(y + 1, 0, n);
	y[n] = 2;
	ck_assert_int_eq(ike_dh_compute(dh, y, n + 1), -EINVAL);
	ck_assert_int_eq(ike_dh_compute(dh, y + 2, n - 1), -EINVAL);
	ck_assert_int_eq(ike_dh_compute(dh, NULL, n), -EINVAL);
	ck_assert_ptr_null(ike_dh_shared(dh, &len));
	/* the bounds themselves: 2 and p - 2 are accepted */
	memset(y, 0, n);
	y[n - 1] = 2;
	ck_assert_int_eq(ike_dh_compute(dh, y, n), 0);
	ck_assert_ptr_nonnull(ike_dh_shared(dh, &len));
	memcpy(y, p, n);
	y[n - 1] = 0xfd;
	ck_assert_int_eq(ike_dh_compute(dh, y, n), 0);
	/* a failure after a success leaves no shared secret behind */
	memset(y, 0, n);
	ck_assert_int_eq(ike_dh_compute(dh, y, n), -EINVAL);
	ck_assert_ptr_null(ike_dh_shared(dh, &len));
	ike_dh_free(dh);
}
END_TEST

/* ---- invalid ECP and Curve25519/448 peer values ---- */

START_TEST(test_ecp_invalid)
{
	const struct kat *k = &ecp_kats[_i];
	char rnd[200];
	struct ike_dh *dh = dh_new_hex(k->group, ecp_rnd(k->rnd_i, rnd, sizeof(rnd)));
	uint8_t pub[140], bad[141];
	size_t n = unhex(k->pub_r, pub, sizeof(pub)), f = n / 2, len;

	ck_assert_uint_eq(n, ike_dh_public_len(k->group));
	/* the valid value works */
	ck_assert_int_eq(ike_dh_compute(dh, pub, n), 0);
	/* one bit of y, or of x, changed: not on the curve */
	for (size_t bit = 0; bit < n * 8; bit += 37) {
		memcpy(bad, pub, n);
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		ck_assert_int_eq(ike_dh_compute(dh, bad, n), -EINVAL);
		ck_assert_ptr_null(ike_dh_shared(dh, &len));
	}
	/* (0, 0); x = 2^m - 1, which is >= p; y likewise */
	memset(bad, 0, n);
	ck_assert_int_eq(ike_dh_compute(dh, bad, n), -EINVAL);
	memcpy(bad, pub, n);
	memset(bad, 0xff, f);
	ck_assert_int_eq(ike_dh_compute(dh, bad, n), -EINVAL);
	memcpy(bad, pub, n);
	memset(bad + f, 0xff, f);
	ck_assert_int_eq(ike_dh_compute(dh, bad, n), -EINVAL);
	/* P-521 (p = 2^521 - 1) leaves room in 66 octets for x + p: the same
	 * point modulo p, but not its canonical encoding */
	if (k->group == IKE_DH_ECP521) {
		unsigned int carry = 0;

		memcpy(bad, pub, n);
		for (size_t j = f; j-- > 0;) {
			unsigned int pj = j == 0 ? 0x01 : 0xff;
			unsigned int sum = bad[j] + pj + carry;

			bad[j] = (uint8_t)sum;
			carry = sum >> 8;
		}
		ck_assert_uint_eq(carry, 0);
		ck_assert_int_eq(ike_dh_compute(dh, bad, n), -EINVAL);
	}
	/* the 0x04 prefix of SEC1 is not part of the IKEv2 encoding */
	bad[0] = 0x04;
	memcpy(bad + 1, pub, n);
	ck_assert_int_eq(ike_dh_compute(dh, bad, n + 1), -EINVAL);
	ck_assert_int_eq(ike_dh_compute(dh, pub, n - 1), -EINVAL);
	ike_dh_free(dh);
}
END_TEST

START_TEST(test_ecx_invalid)
{
	const struct kat *k = &ecx_kats[_i];
	struct ike_dh *dh = dh_new_hex(k->group, k->rnd_i);
	size_t n = ike_dh_public_len(k->group), len;
	uint8_t u[57] = { 0 }, pub[57];

	/* u = 0 and u = 1 are of small order: the shared secret is all zero */
	ck_assert_int_eq(ike_dh_compute(dh, u, n), -EINVAL);
	ck_assert_ptr_null(ike_dh_shared(dh, &len));
	u[0] = 1; /* little-endian */
	ck_assert_int_eq(ike_dh_compute(dh, u, n), -EINVAL);
	ck_assert_ptr_null(ike_dh_shared(dh, &len));
	ck_assert_int_eq(ike_dh_compute(dh, u, n + 1), -EINVAL);
	ck_assert_int_eq(ike_dh_compute(dh, u, n - 1), -EINVAL);
	unhex(k->pub_r, pub, sizeof(pub));
	ck_assert_int_eq(ike_dh_compute(dh, pub, n), 0);
	ck_assert_ptr_nonnull(ike_dh_shared(dh, &len));
	assert_hex(ike_dh_shared(dh, NULL), len, k->shared);
	ike_dh_free(dh);
}
END_TEST

START_TEST(test_dh_refuses)
{
	uint8_t rnd[128] = { 1 };
	struct ike_dh *dh = (struct ike_dh *)rnd;

	/* group 1 (MODP-768) is not implemented */
	ck_assert_uint_eq(ike_dh_random_len(1), 0);
	ck_assert_uint_eq(ike_dh_public_len(IKE_DH_NONE), 0);
	ck_assert_int_eq(ike_dh_new(&dh, 1, rnd, 32), -ENOTSUP);
	ck_assert_ptr_null(dh);
	ck_assert_int_eq(ike_dh_new(&dh, IKE_DH_CURVE25519, rnd, 31), -EINVAL);
	ck_assert_int_eq(ike_dh_new(&dh, IKE_DH_CURVE25519, rnd, 33), -EINVAL);
	ck_assert_int_eq(ike_dh_new(&dh, IKE_DH_ECP256, NULL, 40), -EINVAL);
	ck_assert_int_eq(ike_dh_new(NULL, IKE_DH_ECP256, rnd, 40), -EINVAL);
	ck_assert_ptr_null(dh);
	ike_dh_free(NULL);
}
END_TEST

/* Every group, both ways, from arbitrary random inputs (including all-zero
 * and all-one octets). */
START_TEST(test_dh_both_ways)
{
	static const uint16_t groups[] = {
		IKE_DH_MODP2048, IKE_DH_MODP3072,   IKE_DH_ECP256,   IKE_DH_ECP384,
		IKE_DH_ECP521,	 IKE_DH_CURVE25519, IKE_DH_CURVE448, IKE_DH_MODP1024,
		IKE_DH_MODP1536, IKE_DH_MODP4096,   IKE_DH_MODP6144, IKE_DH_MODP8192,
	};
	static const size_t lens[][3] = {
		{ 40, 256, 256 }, { 40, 384, 384 }, { 40, 64, 32 },   { 56, 96, 48 },
		{ 74, 132, 66 },  { 32, 32, 32 },   { 56, 56, 56 },   { 40, 128, 128 },
		{ 40, 192, 192 }, { 48, 512, 512 }, { 56, 768, 768 }, { 64, 1024, 1024 },
	};

	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		uint16_t group = groups[g];

		ck_assert_uint_eq(ike_dh_random_len(group), lens[g][0]);
		ck_assert_uint_eq(ike_dh_public_len(group), lens[g][1]);
		ck_assert_uint_eq(ike_dh_shared_len(group), lens[g][2]);
		for (int round = 0; round < 3; round++) {
			uint8_t ri[128], rr[128];
			struct ike_dh *a, *b;
			const uint8_t *pa, *pb, *sa, *sb;
			size_t la, lb, n = ike_dh_random_len(group);

			for (size_t i = 0; i < n; i++) {
				ri[i] = round == 0 ? 0 : (uint8_t)(i * 97 + round * 13);
				rr[i] = round == 0 ? 0xff : (uint8_t)(i * 59 + round * 71);
			}
			ck_assert_int_eq(ike_dh_new(&a, group, ri, n), 0);
			ck_assert_int_eq(ike_dh_new(&b, group, rr, n), 0);
			pa = ike_dh_public(a, &la);
			pb = ike_dh_public(b, &lb);
			ck_assert_uint_eq(la, lens[g][1]);
			ck_assert(memcmp(pa, pb, la) != 0);
			ck_assert_int_eq(ike_dh_compute(a, pb, lb), 0);
			ck_assert_int_eq(ike_dh_compute(b, pa, la), 0);
			sa = ike_dh_shared(a, &la);
			sb = ike_dh_shared(b, &lb);
			ck_assert_uint_eq(la, lens[g][2]);
			ck_assert_uint_eq(lb, lens[g][2]);
			ck_assert_mem_eq(sa, sb, la);
			/* our own public value is a valid peer value too */
			ck_assert_int_eq(ike_dh_compute(a, ike_dh_public(a, NULL), lens[g][1]), 0);
			ike_dh_free(a);
			ike_dh_free(b);
		}
	}
}
END_TEST

/* ---- ike_dh_check_public: the same verdict as a real key agreement ---- */

/* X25519 small-order values (RFC 7748's u = 0, 1, the two points of order
 * 8, p - 1, p, p + 1, and 1 with the ignored top bit set), X448's (0, 1,
 * p - 1, p, p + 1): all give an all-zero shared secret. */
static const char *const x25519_small[] = {
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0100000000000000000000000000000000000000000000000000000000000000",
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"0100000000000000000000000000000000000000000000000000000000000080",
};

static const char *const x448_small[] = {
	"0000000000000000000000000000000000000000000000000000000000000000"
	"000000000000000000000000000000000000000000000000",
	"0100000000000000000000000000000000000000000000000000000000000000"
	"000000000000000000000000000000000000000000000000",
	"fefffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffff"
	"ffffffffffffffffffffffffffffffffffffffffffffffff",
	"fffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffff"
	"ffffffffffffffffffffffffffffffffffffffffffffffff",
	"00000000000000000000000000000000000000000000000000000000ffffffff"
	"ffffffffffffffffffffffffffffffffffffffffffffffff",
};

/* check_public and compute agree on v: both accept, or both say -EINVAL.
 * Returns whether v was accepted. */
static bool assert_agree(struct ike_dh *dh, const uint8_t *v, size_t len)
{
	int check = ike_dh_check_public(ike_dh_group(dh), v, len);
	int real = ike_dh_compute(dh, v, len);

	ck_assert_msg(check == real, "group %u: check_public %d, compute %d", ike_dh_group(dh),
		      check, real);
	ck_assert(check == 0 || check == -EINVAL);
	return check == 0;
}

START_TEST(test_dh_check_public)
{
	static const uint16_t groups[] = {
		IKE_DH_MODP1024, IKE_DH_MODP2048, IKE_DH_MODP3072,   IKE_DH_ECP256,
		IKE_DH_ECP384,	 IKE_DH_ECP521,	  IKE_DH_CURVE25519, IKE_DH_CURVE448,
	};
	uint8_t rnd[128], v[IKE_DH_PUBLIC_MAX_LEN + 1];
	size_t accepted = 0;

	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		uint16_t group = groups[g];
		size_t n = ike_dh_public_len(group), rn = ike_dh_random_len(group);
		struct ike_dh *dh, *peer;
		const uint8_t *pub;

		for (size_t i = 0; i < rn; i++)
			rnd[i] = (uint8_t)(i * 31 + g);
		ck_assert_int_eq(ike_dh_new(&dh, group, rnd, rn), 0);
		rnd[0] ^= 0x55;
		ck_assert_int_eq(ike_dh_new(&peer, group, rnd, rn), 0);
		pub = ike_dh_public(peer, NULL);
		/* a real peer value */
		ck_assert(assert_agree(dh, pub, n));
		accepted++;
		/* lengths */
		memcpy(v, pub, n);
		v[n] = 0;
		ck_assert_int_eq(ike_dh_check_public(group, v, n + 1), -EINVAL);
		ck_assert_int_eq(ike_dh_check_public(group, v, n - 1), -EINVAL);
		ck_assert_int_eq(ike_dh_check_public(group, v, 0), -EINVAL);
		ck_assert_int_eq(ike_dh_check_public(group, NULL, n), -EINVAL);
		/* all zero (refused by every group), all one, 1 and 2
		 * big-endian, 1 little-endian */
		memset(v, 0, n);
		ck_assert(!assert_agree(dh, v, n));
		v[n - 1] = 1;
		accepted += assert_agree(dh, v, n);
		v[n - 1] = 2;
		accepted += assert_agree(dh, v, n);
		memset(v, 0, n);
		v[0] = 1;
		accepted += assert_agree(dh, v, n);
		memset(v, 0xff, n);
		accepted += assert_agree(dh, v, n);
		/* one bit flipped at a time, and arbitrary values */
		for (size_t bit = 0; bit < n * 8; bit += 29) {
			memcpy(v, pub, n);
			v[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			accepted += assert_agree(dh, v, n);
			for (size_t i = 0; i < n; i++)
				v[i] = (uint8_t)(i * 131 + bit * 7);
			accepted += assert_agree(dh, v, n);
		}
		if (group == IKE_DH_CURVE25519 || group == IKE_DH_CURVE448) {
			const char *const *small =
			    group == IKE_DH_CURVE25519 ? x25519_small : x448_small;
			size_t n_small = group == IKE_DH_CURVE25519
					     ? sizeof(x25519_small) / sizeof(x25519_small[0])
					     : sizeof(x448_small) / sizeof(x448_small[0]);

			for (size_t i = 0; i < n_small; i++) {
				ck_assert_uint_eq(unhex(small[i], v, sizeof(v)), n);
				ck_assert_msg(!assert_agree(dh, v, n), "small-order value %zu", i);
			}
		}
		ike_dh_free(dh);
		ike_dh_free(peer);
	}
	ck_assert_int_eq(ike_dh_check_public(1, v, 96), -ENOTSUP);
	ck_assert_int_eq(ike_dh_check_public(IKE_DH_NONE, v, 0), -ENOTSUP);
	/* both verdicts were exercised */
	ck_assert_uint_gt(accepted, 8);
}
END_TEST

static void crypto_setup(void)
{
	ck_assert_int_eq(ike_crypto_init(), 0);
}

static void crypto_teardown(void)
{
	ike_crypto_cleanup();
}

static Suite *make_suite(void)
{
	Suite *s = suite_create("ike_dh");
	TCase *tc = tcase_create("kat");

	tcase_add_checked_fixture(tc, crypto_setup, crypto_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_ecx_rfc7748, 0, 2);
	tcase_add_loop_test(tc, test_ecp_rfc5903, 0, 3);
	tcase_add_loop_test(tc, test_modp_kat, 0, 2);
	tcase_add_loop_test(tc, test_modp_kat_digests, 0,
			    sizeof(modp_digests) / sizeof(modp_digests[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("validation");
	tcase_add_checked_fixture(tc, crypto_setup, crypto_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_modp_range, 0, 2);
	tcase_add_loop_test(tc, test_ecp_invalid, 0, 3);
	tcase_add_loop_test(tc, test_ecx_invalid, 0, 2);
	tcase_add_test(tc, test_dh_refuses);
	tcase_add_test(tc, test_dh_both_ways);
	tcase_add_test(tc, test_dh_check_public);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
