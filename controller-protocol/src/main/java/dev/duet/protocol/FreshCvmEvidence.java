package dev.duet.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.Check;
import dev.duet.attestation.CvmFreshBinding;
import dev.duet.attestation.Octets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A CVM's report made on demand (DESIGN §3.6) over the controller's pinned SSH channel: its
 * REPORT_DATA is the {@link CvmFreshBinding} of the CVM's host key, {@code nonce} and the head of
 * the CVM's log when it was asked for. The controller checked the binding and appraised the report
 * before it answered ({@code checks}); a user checks the binding again with {@link #verifyBinding}
 * and appraises the report under the roots they trust.
 *
 * @param source where the report came from: {@code configfs-tsm} in the guest, {@code simulated-snp}, or
 *     {@code azure-vtpm} (then {@code evidence} is Azure's evidence JSON, {@code reportData} the quote's
 *     32 bytes of qualifying data, and {@code endorsement} empty: the VCEK is in the JSON)
 * @param simulated whether duet's simulated chip signed it: then it proves nothing about hardware
 * @param trust the roots the controller appraised it under
 * @param hostKey the CVM's SSH host key as an OpenSSH public key line (the one its launch attestation bound)
 * @param endorsement the certificate of the key that signed the report (VCEK or VLEK)
 */
public record FreshCvmEvidence(String cvmId, String source, boolean simulated, String trust, String nonce, String hostKey,
        CvmFreshBinding.LogHead logHead, Octets reportData, Octets evidence, Octets endorsement, List<String> checks, Instant issuedAt) {
    private static final Set<String> MEMBERS = Set.of("cvm_id", "source", "simulated", "trust", "nonce", "host_key", "log_head",
            "report_data", "evidence", "endorsement", "checks", "issued_at");

    public FreshCvmEvidence {
        Objects.requireNonNull(cvmId, "cvmId");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(trust, "trust");
        Objects.requireNonNull(nonce, "nonce");
        Objects.requireNonNull(hostKey, "hostKey");
        Objects.requireNonNull(logHead, "logHead");
        Objects.requireNonNull(reportData, "reportData");
        Objects.requireNonNull(evidence, "evidence");
        Objects.requireNonNull(endorsement, "endorsement");
        checks = List.copyOf(checks);
        Objects.requireNonNull(issuedAt, "issuedAt");
    }

    /**
     * Whether the report binds the CVM's host key, {@code expectedNonce} and {@code expectedHead}:
     * the values the user asked with and read from the verified history, never the ones this record
     * claims. A report for another nonce is stale; one bound to an earlier head is replayed.
     */
    public Check verifyBinding(String expectedHostKey, String expectedNonce, CvmFreshBinding.LogHead expectedHead) {
        String[] parts = expectedHostKey.split(" ");
        byte[] blob;
        try {
            blob = parts.length < 2 ? null : Base64.getDecoder().decode(parts[1]);
        } catch (IllegalArgumentException e) {
            blob = null;
        }
        if (blob == null) {
            return Check.fail(CvmFreshBinding.CHECK, "the host key is not an OpenSSH public key line");
        }
        return CvmFreshBinding.verify(evidence, blob, expectedNonce, expectedHead);
    }

    /** The JSON form, as the bundle's {@code cvm_evidence.fresh} carries it: bytes in base64, the head's hash in hex. */
    public static ObjectNode toJson(FreshCvmEvidence fresh) {
        Base64.Encoder b64 = Base64.getEncoder();
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("cvm_id", fresh.cvmId()).put("source", fresh.source()).put("simulated", fresh.simulated()).put("trust", fresh.trust())
                .put("nonce", fresh.nonce()).put("host_key", fresh.hostKey());
        out.putObject("log_head").put("size", fresh.logHead().size()).put("hash", fresh.logHead().hash().hex());
        out.put("report_data", b64.encodeToString(fresh.reportData().toByteArray()))
                .put("evidence", b64.encodeToString(fresh.evidence().toByteArray()))
                .put("endorsement", b64.encodeToString(fresh.endorsement().toByteArray()));
        fresh.checks().forEach(out.putArray("checks")::add);
        out.put("issued_at", fresh.issuedAt().toString());
        return out;
    }

    /** Reads {@link #toJson}'s form; total and strict: a missing, unknown or mistyped member is refused. */
    public static FreshCvmEvidence fromJson(JsonNode node) throws MalformedJsonException {
        if (node == null || !node.isObject()) {
            throw new MalformedJsonException("fresh CVM evidence is not a JSON object");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!MEMBERS.contains(name)) {
                throw new MalformedJsonException("fresh CVM evidence has a member '" + name + "' it does not have");
            }
        }
        JsonNode head = node.get("log_head");
        if (head == null || !head.isObject() || head.size() != 2 || !head.path("size").canConvertToLong() || !head.path("size").isIntegralNumber()
                || head.path("size").longValue() < 0) {
            throw new MalformedJsonException("fresh CVM evidence: log_head is not {size, hash}");
        }
        Octets hash = hex(head, "hash", 32);
        JsonNode simulated = node.get("simulated");
        if (simulated == null || !simulated.isBoolean()) {
            throw new MalformedJsonException("fresh CVM evidence: simulated is not true or false");
        }
        JsonNode checks = node.get("checks");
        if (checks == null || !checks.isArray()) {
            throw new MalformedJsonException("fresh CVM evidence: checks is not a list");
        }
        List<String> texts = new ArrayList<>();
        for (JsonNode check : checks) {
            if (!check.isTextual()) {
                throw new MalformedJsonException("fresh CVM evidence: checks holds something other than strings");
            }
            texts.add(check.textValue());
        }
        Octets reportData = base64(node, "report_data");
        int bound = CvmFreshBinding.bindingLength(text(node, "source"));
        if (reportData.length() != bound) {
            throw new MalformedJsonException("fresh CVM evidence: report_data is not " + bound + " bytes");
        }
        Instant issuedAt;
        try {
            issuedAt = Instant.parse(text(node, "issued_at"));
        } catch (DateTimeParseException e) {
            throw new MalformedJsonException("fresh CVM evidence: issued_at is not an RFC 3339 UTC instant");
        }
        return new FreshCvmEvidence(text(node, "cvm_id"), text(node, "source"), simulated.booleanValue(), text(node, "trust"),
                text(node, "nonce"), text(node, "host_key"), new CvmFreshBinding.LogHead(head.get("size").longValue(), hash), reportData,
                base64(node, "evidence"), base64(node, "endorsement"), texts, issuedAt);
    }

    private static String text(JsonNode node, String name) throws MalformedJsonException {
        JsonNode value = node.get(name);
        if (value == null || !value.isTextual()) {
            throw new MalformedJsonException("fresh CVM evidence: " + name + " is not a string");
        }
        return value.textValue();
    }

    private static Octets base64(JsonNode node, String name) throws MalformedJsonException {
        try {
            return Octets.copyOf(Base64.getDecoder().decode(text(node, name)));
        } catch (IllegalArgumentException e) {
            throw new MalformedJsonException("fresh CVM evidence: " + name + " is not base64");
        }
    }

    private static Octets hex(JsonNode node, String name, int length) throws MalformedJsonException {
        byte[] bytes;
        try {
            bytes = HexFormat.of().parseHex(text(node, name));
        } catch (IllegalArgumentException e) {
            throw new MalformedJsonException("fresh CVM evidence: " + name + " is not hex");
        }
        if (bytes.length != length) {
            throw new MalformedJsonException("fresh CVM evidence: " + name + " is not " + length + " bytes");
        }
        return Octets.copyOf(bytes);
    }
}
