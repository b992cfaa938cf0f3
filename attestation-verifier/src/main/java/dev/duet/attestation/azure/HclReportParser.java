package dev.duet.attestation.azure;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.attestation.LittleEndian;
import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Octets;
import dev.duet.attestation.snp.SnpReport;
import dev.duet.attestation.snp.SnpReportParser;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns the bytes of an HCL report into an {@link HclReport}; total: any other input is a
 * {@link MalformedEvidenceException}. No signature covers the header, the request data header or
 * the padding, so every field of theirs must hold the one value a real report has, or be consistent
 * with the others: a changed byte there is refused here rather than ignored.
 */
public final class HclReportParser {
    /** "HCLA" read as a little-endian u32. */
    private static final long SIGNATURE = 0x414c4348L;
    /** The request an HCL report in the vTPM NV index answers (both public vectors carry it). */
    private static final long REQUEST_TYPE = 2;
    private static final long SNP_REPORT_TYPE = 2;
    private static final long TDX_REPORT_TYPE = 4;
    /**
     * The vTPM NV index holds the report in a zero-padded buffer (2,600 bytes in the public vectors);
     * anything beyond this is no HCL report, whatever it is padded with.
     */
    public static final int MAX_SIZE = 16 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    private HclReportParser() {}

    public static HclReport parse(byte[] bytes) throws MalformedEvidenceException {
        if (bytes.length > MAX_SIZE) {
            throw new MalformedEvidenceException("an HCL report has at most " + MAX_SIZE + " bytes; this has "
                    + bytes.length);
        }
        LittleEndian in = new LittleEndian(bytes, "HCL report");
        if (in.u32(0, "signature") != SIGNATURE) {
            throw new MalformedEvidenceException("not an HCL report: it does not start with \"HCLA\"");
        }
        int version = (int) in.u32(4, "header version");
        if (version != 1 && version != 2) {
            throw new MalformedEvidenceException("HCL report header version " + Integer.toUnsignedString(version)
                    + " is not supported (1 and 2 are)");
        }
        long reportSize = in.u32(8, "report size");
        long requestType = in.u32(12, "request type");
        if (requestType != REQUEST_TYPE) {
            throw new MalformedEvidenceException("HCL report request type " + requestType + " is not the attestation"
                    + " report's (" + REQUEST_TYPE + ")");
        }
        long status = in.u32(16, "status");
        if (status != 0) {
            throw new MalformedEvidenceException("the HCL report says its request failed (status " + status + ")");
        }
        if (!in.octets(20, 12, "reserved").isZero()) {
            throw new MalformedEvidenceException("the HCL report header's reserved words are not zero");
        }
        int base = HclReport.REQUEST_DATA_OFFSET;
        long dataSize = in.u32(base, "request data size");
        long dataVersion = in.u32(base + 4, "request data version");
        if (dataVersion != 1) {
            throw new MalformedEvidenceException("HCL request data version " + dataVersion + " is not supported (1 is)");
        }
        long reportType = in.u32(base + 8, "report type");
        HclReport.HashType hashType = hashType(in.u32(base + 12, "hash type"));
        long claimsSize = in.u32(base + 16, "variable data size");
        if (dataSize != HclReport.REQUEST_DATA_HEADER + claimsSize) {
            throw new MalformedEvidenceException("the HCL request data size " + dataSize + " is not its 20-byte header"
                    + " plus the " + claimsSize + " bytes of variable data");
        }
        if (reportSize != HclReport.REQUEST_DATA_OFFSET + dataSize) {
            throw new MalformedEvidenceException("the HCL report size " + reportSize + " is not the header, the "
                    + "hardware report area and the request data (" + (HclReport.REQUEST_DATA_OFFSET + dataSize) + ")");
        }
        if (reportSize > bytes.length) {
            throw new MalformedEvidenceException("the HCL report is truncated: its header says " + reportSize
                    + " bytes but only " + bytes.length + " are present");
        }
        int end = (int) reportSize;
        if (!Octets.copyOfRange(bytes, end, bytes.length).isZero()) {
            throw new MalformedEvidenceException("the HCL report has bytes after its end at " + end
                    + " that are not zero padding, which no signature or digest covers");
        }
        byte[] area = in.slice(HclReport.HEADER_SIZE, HclReport.HARDWARE_AREA, "hardware report");
        HclReport.Hardware hardware;
        if (reportType == SNP_REPORT_TYPE) {
            hardware = new HclReport.Snp(SnpReportParser.parse(Arrays.copyOf(area, SnpReport.SIZE)));
        } else if (reportType == TDX_REPORT_TYPE) {
            if (!Octets.copyOfRange(area, TdReportStruct.SIZE, area.length).isZero()) {
                throw new MalformedEvidenceException("the bytes after the TD report in the HCL report's hardware area"
                        + " are not zero");
            }
            hardware = new HclReport.Tdx(TdReportStruct.parse(area));
        } else {
            throw new MalformedEvidenceException("HCL report type " + reportType + " is neither SEV-SNP (2) nor TDX (4)");
        }
        byte[] claims = in.slice(HclReport.CLAIMS_OFFSET, (int) claimsSize, "runtime claims");
        return new HclReport(version, reportSize, requestType, hardware, hashType, claims(claims),
                bytes.length - end);
    }

    private static HclReport.HashType hashType(long code) throws MalformedEvidenceException {
        for (HclReport.HashType type : HclReport.HashType.values()) {
            if (type.code() == code) {
                return type;
            }
        }
        throw new MalformedEvidenceException("HCL report hash type " + code + " is not SHA-256 (1), SHA-384 (2) or"
                + " SHA-512 (3)");
    }

    /** The runtime claims: one JSON object and nothing after it. */
    public static RuntimeClaims claims(byte[] json) throws MalformedEvidenceException {
        JsonNode root;
        try (JsonParser parser = JSON.createParser(json)) {
            root = JSON.readTree(parser);
            if (root == null || !root.isObject()) {
                throw new MalformedEvidenceException("the HCL runtime claims are not a JSON object");
            }
            if (parser.nextToken() != null) {
                throw new MalformedEvidenceException("the HCL runtime claims have more after the JSON object ends");
            }
        } catch (JsonProcessingException e) {
            throw new MalformedEvidenceException("the HCL runtime claims are not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new MalformedEvidenceException("the HCL runtime claims cannot be read: " + e.getMessage());
        }
        JsonNode keys = root.get("keys");
        if (keys == null || !keys.isArray()) {
            throw new MalformedEvidenceException("the HCL runtime claims have no \"keys\" array");
        }
        List<RuntimeClaims.Key> parsed = new ArrayList<>();
        for (JsonNode key : keys) {
            parsed.add(key(key));
        }
        List<RuntimeClaims.Setting> settings = new ArrayList<>();
        JsonNode configuration = root.get("vm-configuration");
        if (configuration != null) {
            if (!configuration.isObject()) {
                throw new MalformedEvidenceException("the HCL runtime claims' \"vm-configuration\" is not an object");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = configuration.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> entry = it.next();
                settings.add(new RuntimeClaims.Setting(entry.getKey(), entry.getValue().isTextual()
                        ? entry.getValue().asText() : entry.getValue().toString()));
            }
        }
        JsonNode userData = root.get("user-data");
        if (userData != null && !userData.isTextual()) {
            throw new MalformedEvidenceException("the HCL runtime claims' \"user-data\" is not a string");
        }
        return new RuntimeClaims(Octets.copyOf(json), parsed,
                settings, Optional.ofNullable(userData).map(JsonNode::asText));
    }

    private static RuntimeClaims.Key key(JsonNode key) throws MalformedEvidenceException {
        if (!key.isObject() || !key.path("kid").isTextual() || !key.path("kty").isTextual()) {
            throw new MalformedEvidenceException("a key in the HCL runtime claims is not a JWK with \"kid\" and \"kty\"");
        }
        List<String> ops = new ArrayList<>();
        for (JsonNode op : key.path("key_ops")) {
            ops.add(op.asText());
        }
        Optional<RuntimeClaims.RsaKey> rsa = Optional.empty();
        if (key.get("kty").asText().equals("RSA")) {
            rsa = Optional.of(new RuntimeClaims.RsaKey(unsigned(key, "n"), unsigned(key, "e")));
        }
        return new RuntimeClaims.Key(key.get("kid").asText(), key.get("kty").asText(), ops, rsa);
    }

    /** A JWK integer: unpadded base64url of its big-endian bytes (RFC 7518, 6.3.1). */
    private static BigInteger unsigned(JsonNode key, String member) throws MalformedEvidenceException {
        JsonNode value = key.get(member);
        if (value == null || !value.isTextual() || value.asText().isEmpty()) {
            throw new MalformedEvidenceException("the RSA key " + key.get("kid").asText() + " has no \"" + member + "\"");
        }
        try {
            return new BigInteger(1, Base64.getUrlDecoder().decode(value.asText()));
        } catch (IllegalArgumentException e) {
            throw new MalformedEvidenceException("the RSA key " + key.get("kid").asText() + " has a \"" + member
                    + "\" that is not base64url");
        }
    }
}
