package dev.duet.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.attestation.Check;
import dev.duet.attestation.AttestationVerifier;
import dev.duet.attestation.ControllerEvidenceVerifier;
import dev.duet.attestation.ControllerKeyBinding;
import dev.duet.attestation.Octets;
import dev.duet.attestation.TeeKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Verifies a controller's evidence document ({@code duet.controller-evidence/v1}, served at the
 * evidence route or saved for offline use) as the controller signs it: the envelope, the format,
 * the signing key it names, its signature by that key, the nonce the user asked with (when one
 * was), the TEE kind, the TLS key when it names one, and the attestation member when there is one;
 * then asks {@link ControllerEvidenceVerifier} whether the report it carries binds the keys and the
 * nonce the document carries ({@link ControllerKeyBinding}: version 2 when the document names a
 * TLS key, version 1, as before that key existed, when it does not) under the roots the user
 * trusts (DESIGN §3, guarantee 1). Pure: a document read with {@link StrictJson}, the trust and the time in, a verdict out.
 * The checks run in that order and stop at the first that leaves nothing to check after it; each
 * failure's reason is the sentence a user reads.
 */
public final class EvidenceVerifier {
    /** The name of the check on the {@code tls_key} member. */
    public static final String TLS_KEY_CHECK = "tls key";
    /** The most a TLS key's SubjectPublicKeyInfo may take: far above an RSA-8192 key's. */
    private static final int MAX_TLS_KEY = 2048;

    /** The evidence payload as the controller writes it; {@code tls_key} since binding version 2. */
    private static final DocumentShape SHAPE = DocumentShape.of("format", "tee", "warning", "signing_key.alg", "signing_key.key_id",
            "signing_key.public_key", "tls_key.public_key", "tls_key.sha256", "sealing", "log.origin", "log.note_verifier_key", "issued_at",
            "nonce", "attestation.provider", "attestation.simulated?", "attestation.report", "attestation.certificates");

    private EvidenceVerifier() {}

    public static EvidenceVerdict verify(JsonNode evidence, Optional<String> nonce, ControllerEvidenceVerifier.Trust trust, Instant at) {
        List<Check> checks = new ArrayList<>();
        Optional<String> malformed = SignedDocument.malformed(evidence);
        if (malformed.isPresent()) {
            checks.add(Check.fail("document", "controller evidence is not a document the controller signed: " + malformed.get()));
            return new EvidenceVerdict(checks, Optional.empty());
        }
        JsonNode payload = evidence.path("payload");
        String format = payload.path("format").asText("missing");
        boolean isEvidence = CvmState.EVIDENCE_FORMAT.equals(payload.path("format").asText());
        checks.add(Check.of(isEvidence, "format", CvmState.EVIDENCE_FORMAT, format,
                isEvidence ? "controller evidence" : "not controller evidence (format " + format + ")"));
        if (!isEvidence) {
            return new EvidenceVerdict(checks, Optional.empty());
        }
        Optional<String> unknown = SHAPE.unknownMember(payload);
        if (unknown.isPresent()) {
            checks.add(Check.fail("document", "controller evidence is not as the controller writes it: " + unknown.get()));
            return new EvidenceVerdict(checks, Optional.empty());
        }
        Ed25519PublicKey key;
        try {
            if (!payload.path("signing_key").path("alg").asText("").equals("ed25519")) {
                throw new KeyFormatException("its alg is not ed25519");
            }
            key = Ed25519PublicKey.parseBase64(payload.path("signing_key").path("public_key").asText(""));
            checks.add(Check.pass("signing key", "names Ed25519 key " + key.keyId()));
        } catch (KeyFormatException e) {
            checks.add(Check.fail("signing key", "evidence signing key: " + e.getMessage()));
            return new EvidenceVerdict(checks, Optional.empty());
        }
        SignedDocument.Verified verified = SignedDocument.verify(evidence, key);
        if (verified.payload().isEmpty()) {
            checks.add(Check.fail("signature", "evidence is not signed by the key it names: " + verified.failure()));
            return new EvidenceVerdict(checks, Optional.empty());
        }
        checks.add(Check.pass("signature", "signed by the key it names"));
        Optional<String> carried = Optional.ofNullable(payload.path("nonce").asText(null));
        nonce.ifPresent(n -> checks.add(Check.of(carried.equals(nonce), "freshness", "nonce " + n, carried.map(c -> "nonce " + c).orElse("no nonce"),
                carried.equals(nonce) ? "answers this request" : "evidence does not carry our nonce: not fresh")));
        Optional<TeeKind> tee = TeeKind.parse(payload.path("tee").asText(""));
        checks.add(tee.map(t -> Check.pass("tee", "runs in " + t.wire()))
                .orElseGet(() -> Check.fail("tee", "unknown tee kind " + payload.path("tee").asText())));
        Optional<Octets> tlsKey = Optional.empty();
        if (payload.has("tls_key")) {
            try {
                tlsKey = Optional.of(tlsKey(payload.get("tls_key")));
                checks.add(Check.pass(TLS_KEY_CHECK, "names TLS key SHA-256 " + sha256(tlsKey.get()).hex()));
            } catch (IllegalArgumentException e) {
                checks.add(Check.fail(TLS_KEY_CHECK, "the tls_key member is not readable: " + e.getMessage()));
            }
        }
        Optional<ControllerEvidenceVerifier.Report> report = Optional.empty();
        if (payload.has("attestation")) {
            try {
                report = Optional.of(report(payload.get("attestation")));
                checks.add(Check.pass("attestation", "carries a " + (report.get().simulated() ? "SIMULATED " : "") + "report from "
                        + report.get().provider()));
            } catch (IllegalArgumentException e) {
                checks.add(Check.fail("attestation", "the attestation member is not readable: " + e.getMessage()));
            }
        }
        if (checks.stream().anyMatch(c -> !c.passed())) {
            return new EvidenceVerdict(checks, Optional.empty());
        }
        byte[] signingKey = Base64.getDecoder().decode(payload.path("signing_key").path("public_key").asText());
        Octets binding = tlsKey.isPresent() ? ControllerKeyBinding.reportData(signingKey, tlsKey.get().toByteArray(), carried.orElse(""))
                : ControllerKeyBinding.reportData(signingKey, carried.orElse(""));
        return new EvidenceVerdict(checks, Optional.of(new EvidenceVerdict.Facts(key, tee.orElseThrow(),
                ControllerEvidenceVerifier.verify(tee.get(), report, binding, trust, at), tlsKey)));
    }

    /**
     * The {@code tls_key} member: {@code public_key}, the key's SubjectPublicKeyInfo DER in base64,
     * and {@code sha256}, its SHA-256 in hex, which must be that key's (the pin a user compares).
     */
    private static Octets tlsKey(JsonNode member) {
        if (!member.isObject() || !member.path("public_key").isTextual() || !member.path("sha256").isTextual()) {
            throw new IllegalArgumentException("it needs public_key (base64 SubjectPublicKeyInfo) and sha256 (hex)");
        }
        byte[] spki = Base64.getDecoder().decode(member.get("public_key").textValue());
        if (spki.length == 0 || spki.length > MAX_TLS_KEY) {
            throw new IllegalArgumentException("public_key is " + spki.length + " bytes, not a key (1 to " + MAX_TLS_KEY + ")");
        }
        Octets key = Octets.copyOf(spki);
        String named = member.get("sha256").textValue();
        if (!named.equals(sha256(key).hex())) {
            throw new IllegalArgumentException("sha256 " + named + " is not the SHA-256 of public_key (" + sha256(key).hex() + ")");
        }
        return key;
    }

    /** The SHA-256 of a key's SubjectPublicKeyInfo DER: how a TLS key is pinned. */
    public static Octets sha256(Octets spki) {
        return ControllerEvidenceVerifier.fingerprint(spki);
    }

    /**
     * For controller evidence already verified as attested by duet's simulated chip under the root
     * the user named: the verifier for other evidence of that chip (a CVM's launch report), or empty
     * ({@link ControllerEvidenceVerifier#simulatedChip}).
     */
    public static Optional<AttestationVerifier> simulatedChip(JsonNode evidence, ControllerEvidenceVerifier.Trust trust) {
        try {
            return ControllerEvidenceVerifier.simulatedChip(report(evidence.path("payload").path("attestation")), trust);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The attestation member: {@code provider}, {@code simulated}, and the report and certificates in base64. */
    private static ControllerEvidenceVerifier.Report report(JsonNode attestation) {
        if (!attestation.isObject() || !attestation.path("provider").isTextual() || !attestation.path("simulated").isBoolean()
                || !attestation.path("report").isTextual() || !attestation.path("certificates").isTextual()) {
            throw new IllegalArgumentException("it needs provider (text), simulated (true or false), report and certificates (base64)");
        }
        return new ControllerEvidenceVerifier.Report(attestation.get("provider").textValue(), attestation.get("simulated").booleanValue(),
                Octets.copyOf(Base64.getDecoder().decode(attestation.get("report").textValue())),
                Octets.copyOf(Base64.getDecoder().decode(attestation.get("certificates").textValue())));
    }
}
