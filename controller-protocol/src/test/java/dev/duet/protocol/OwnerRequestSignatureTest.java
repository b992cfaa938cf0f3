package dev.duet.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OwnerRequestSignatureTest {
    private static final String CONTROLLER = "c0".repeat(32);
    /**
     * RFC 9421 Appendix B.1.4 (test-key-ed25519) and B.2.6 ("Signing a Request Using ed25519").
     * Ed25519 is deterministic, so our base and signer must reproduce the published signature.
     */
    private static final String RFC_PRIVATE = "MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF";
    private static final String RFC_PUBLIC = "MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=";
    private static final String RFC_SIGNATURE =
            "wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==";

    @Test
    void signatureBaseAndEd25519MatchRfc9421B26() throws Exception {
        List<String> covered = List.of("date", "@method", "@path", "@authority", "content-type", "content-length");
        Map<String, String> values = Map.of(
                "date", "Tue, 20 Apr 2021 02:07:55 GMT",
                "@method", "POST",
                "@path", "/foo",
                "@authority", "example.com",
                "content-type", "application/json",
                "content-length", "18");
        String params = "(\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" \"content-length\")"
                + ";created=1618884473;keyid=\"test-key-ed25519\"";
        byte[] base = SignatureBase.build(covered, values, params);
        assertThat(new String(base, StandardCharsets.UTF_8)).startsWith("\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n\"@method\": POST\n");

        Ed25519KeyPair key = Ed25519KeyPair.fromEncoded(Base64.getDecoder().decode(RFC_PRIVATE), Base64.getDecoder().decode(RFC_PUBLIC));
        assertThat(Base64.getEncoder().encodeToString(key.sign(base))).isEqualTo(RFC_SIGNATURE);
        assertThatCode(() -> key.publicKey().verify(base, Base64.getDecoder().decode(RFC_SIGNATURE))).doesNotThrowAnyException();
        base[base.length - 1] ^= 1;
        assertThatThrownBy(() -> key.publicKey().verify(base, Base64.getDecoder().decode(RFC_SIGNATURE)))
                .isInstanceOf(InvalidSignatureException.class);
    }

    @Test
    void signedRequestRoundTripsAndAnyChangedComponentBreaksIt() throws Exception {
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        byte[] body = "{\"argv\":[\"id\"]}".getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = OwnerRequestSignature.sign(owner, CONTROLLER, "POST", "/v1/cvms/a/commands", null, body,
                1_700_000_000L);
        OwnerRequestSignature.Claims claims = OwnerRequestSignature.parse(
                headers.get(OwnerRequestSignature.SIGNATURE_INPUT), headers.get(OwnerRequestSignature.SIGNATURE));
        assertThat(claims.keyId()).isEqualTo(owner.publicKey().keyId());
        assertThat(claims.controllerKeyId()).isEqualTo(CONTROLLER);
        assertThat(claims.created()).isEqualTo(1_700_000_000L);
        assertThat(OwnerRequestSignature.digestMatches(headers.get(OwnerRequestSignature.CONTENT_DIGEST), body)).isTrue();
        assertThat(OwnerRequestSignature.digestMatches(headers.get(OwnerRequestSignature.CONTENT_DIGEST), "{}".getBytes(StandardCharsets.UTF_8))).isFalse();

        byte[] good = OwnerRequestSignature.base("POST", "/v1/cvms/a/commands", null, headers.get(OwnerRequestSignature.CONTENT_DIGEST), claims.signatureParams());
        assertThatCode(() -> owner.publicKey().verify(good, claims.signature())).doesNotThrowAnyException();
        for (byte[] other : List.of(
                OwnerRequestSignature.base("PUT", "/v1/cvms/a/commands", null, headers.get(OwnerRequestSignature.CONTENT_DIGEST), claims.signatureParams()),
                OwnerRequestSignature.base("POST", "/v1/cvms/b/commands", null, headers.get(OwnerRequestSignature.CONTENT_DIGEST), claims.signatureParams()),
                OwnerRequestSignature.base("POST", "/v1/cvms/a/commands", "x=1", headers.get(OwnerRequestSignature.CONTENT_DIGEST), claims.signatureParams()),
                OwnerRequestSignature.base("POST", "/v1/cvms/a/commands", null, OwnerRequestSignature.contentDigest(new byte[0]), claims.signatureParams()),
                OwnerRequestSignature.base("POST", "/v1/cvms/a/commands", null, headers.get(OwnerRequestSignature.CONTENT_DIGEST),
                        claims.signatureParams().replace(CONTROLLER, "c1".repeat(32))))) {
            assertThatThrownBy(() -> owner.publicKey().verify(other, claims.signature())).isInstanceOf(InvalidSignatureException.class);
        }
    }

    @Test
    void headersOutsideTheProfileAreMalformed() {
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        Map<String, String> h = OwnerRequestSignature.sign(owner, CONTROLLER, "GET", "/x", null, new byte[0], 1L);
        String input = h.get(OwnerRequestSignature.SIGNATURE_INPUT);
        String sig = h.get(OwnerRequestSignature.SIGNATURE);
        for (String[] bad : new String[][] {
                {null, sig}, {input, null},
                {input.replace("\"@query\" ", ""), sig},
                {input.replace("alg=\"ed25519\"", "alg=\"rsa-pss-sha512\""), sig},
                {input.replace("duet=", "other="), sig},
                {input + ";expires=2", sig},
                {input.replace(";tag=\"duet.controller/" + CONTROLLER + "\"", ""), sig},
                {input.replace("tag=\"duet.controller/", "tag=\"other/"), sig},
                {input, sig.replace("duet=", "sig2=")},
                {input, sig.substring(0, sig.length() - 5) + "==:"},
                {input, "duet=:AAAA:"}}) {
            assertThatThrownBy(() -> OwnerRequestSignature.parse(bad[0], bad[1])).isInstanceOf(MalformedSignatureException.class);
        }
    }

    /**
     * Found by OwnerSignatureFuzzTest: the last base64 digit before "==" carries four unused bits,
     * and {@code created} took leading zeros, so one signed request had other spellings that the
     * parser read the same way. Each value now has one spelling.
     */
    @Test
    void signatureHeadersHaveOneSpelling() throws Exception {
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        Map<String, String> headers = OwnerRequestSignature.sign(owner, CONTROLLER, "PUT", "/v1/cvms/a/mode", null, new byte[0],
                1_700_000_000L);
        String input = headers.get(OwnerRequestSignature.SIGNATURE_INPUT);
        String signature = headers.get(OwnerRequestSignature.SIGNATURE);
        assertThatCode(() -> OwnerRequestSignature.parse(input, signature)).doesNotThrowAnyException();

        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        int last = signature.length() - 4;
        int digit = alphabet.indexOf(signature.charAt(last));
        String padded = signature.substring(0, last) + alphabet.charAt(digit ^ 1) + signature.substring(last + 1);
        assertThat(Base64.getDecoder().decode(padded.substring(6, padded.length() - 1)))
                .isEqualTo(Base64.getDecoder().decode(signature.substring(6, signature.length() - 1)));
        assertThatThrownBy(() -> OwnerRequestSignature.parse(input, padded)).isInstanceOf(MalformedSignatureException.class);
        assertThatThrownBy(() -> OwnerRequestSignature.parse(input.replace("created=1700000000", "created=01700000000"), signature))
                .isInstanceOf(MalformedSignatureException.class);
    }

    @Test
    void keyPairFilesRefuseMismatchedHalvesAndGarbage() {
        Ed25519KeyPair a = Ed25519KeyPair.generate();
        Ed25519KeyPair b = Ed25519KeyPair.generate();
        String mixed = a.toPem().substring(0, a.toPem().indexOf("-----BEGIN PUBLIC KEY-----")) + b.publicKey().toPem();
        assertThatThrownBy(() -> Ed25519KeyPair.parsePem(mixed)).isInstanceOf(KeyFormatException.class).hasMessageContaining("belong");
        assertThatThrownBy(() -> Ed25519KeyPair.parsePem("garbage")).isInstanceOf(KeyFormatException.class);
        assertThatThrownBy(() -> Ed25519PublicKey.parsePem("-----BEGIN PUBLIC KEY-----\n!!\n-----END PUBLIC KEY-----")).isInstanceOf(KeyFormatException.class);
        assertThatCode(() -> Ed25519KeyPair.parsePem(a.toPem())).doesNotThrowAnyException();
        assertThat(a.toString()).doesNotContain(Base64.getEncoder().encodeToString(a.pkcs8()));
    }
}
