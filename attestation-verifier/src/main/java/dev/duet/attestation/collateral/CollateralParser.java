package dev.duet.attestation.collateral;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.attestation.MalformedEvidenceException;
import dev.duet.attestation.Octets;
import dev.duet.attestation.x509.Certificates;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Reads Intel collateral in the two shapes found in the wild: PCS response bodies
 * ({@code {"tcbInfo":{…},"signature":"…"}}, {@code {"enclaveIdentity":{…},"signature":"…"}}) and
 * QuoteCollateralV3 bundles (Phala dcap-qvl, PCCS) with the signed JSON as strings, issuer chains
 * in PEM and CRLs in hex DER. The signature covers the exact bytes of the inner JSON value, so those
 * bytes are cut out of the input, never re-serialised.
 */
public final class CollateralParser {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    private static final JsonFactory FACTORY = JSON.getFactory();

    private CollateralParser() {}

    public static Collateral parseJson(byte[] json) throws MalformedEvidenceException {
        JsonNode root = tree(json, "collateral");
        if (root.has("tcbInfo")) {
            byte[] signed = rawMember(json, "tcbInfo");
            return new Collateral(List.of(tcbInfo(signed, hex(text(root, "signature"), "signature"))), List.of(),
                    List.of(), List.of());
        }
        if (root.has("enclaveIdentity")) {
            byte[] signed = rawMember(json, "enclaveIdentity");
            return new Collateral(List.of(), List.of(identity(signed, hex(text(root, "signature"), "signature"))),
                    List.of(), List.of());
        }
        if (root.has("tcb_info") || root.has("qe_identity")) {
            List<TcbInfo> infos = new ArrayList<>();
            List<EnclaveIdentity> identities = new ArrayList<>();
            List<X509CRL> crls = new ArrayList<>();
            List<X509Certificate> certs = new ArrayList<>();
            if (root.has("tcb_info")) {
                infos.add(tcbInfo(text(root, "tcb_info").getBytes(StandardCharsets.UTF_8),
                        hex(text(root, "tcb_info_signature"), "tcb_info_signature")));
            }
            if (root.has("qe_identity")) {
                identities.add(identity(text(root, "qe_identity").getBytes(StandardCharsets.UTF_8),
                        hex(text(root, "qe_identity_signature"), "qe_identity_signature")));
            }
            for (String crl : List.of("root_ca_crl", "pck_crl")) {
                if (root.has(crl)) {
                    crls.add(crl(hex(text(root, crl), crl).toByteArray()));
                }
            }
            for (String chain : List.of("tcb_info_issuer_chain", "qe_identity_issuer_chain", "pck_crl_issuer_chain")) {
                if (root.has(chain)) {
                    certs.addAll(Certificates.parsePemChain(text(root, chain).getBytes(StandardCharsets.US_ASCII), chain));
                }
            }
            return new Collateral(infos, identities, crls, certs);
        }
        throw new MalformedEvidenceException(
                "collateral JSON has none of tcbInfo, enclaveIdentity, tcb_info or qe_identity");
    }

    /**
     * Intel's PCS answers for one platform as one QuoteCollateralV3 bundle, which {@link #parseJson}
     * reads back: the signed JSON of each body is cut out as its exact bytes and kept as a string, so
     * its signature still verifies however the bundle is re-serialised (inside evidence JSON, for
     * one). Each body is read first, so a body of the wrong kind fails here rather than when checked.
     */
    public static byte[] bundle(byte[] tcbInfoBody, String tcbInfoChain, byte[] qeIdentityBody, String qeIdentityChain,
            byte[] pckCrl) throws MalformedEvidenceException {
        List<TcbInfo> infos = parseJson(tcbInfoBody).tcbInfos();
        List<EnclaveIdentity> identities = parseJson(qeIdentityBody).identities();
        if (infos.isEmpty() || identities.isEmpty()) {
            throw new MalformedEvidenceException("collateral: a TCB Info body and a QE identity body are needed, in that order");
        }
        ObjectNode bundle = JSON.createObjectNode();
        bundle.put("tcb_info", new String(infos.get(0).signedBytes().toByteArray(), StandardCharsets.UTF_8));
        bundle.put("tcb_info_signature", infos.get(0).signature().hex());
        if (!tcbInfoChain.isEmpty()) {
            bundle.put("tcb_info_issuer_chain", tcbInfoChain);
        }
        bundle.put("qe_identity", new String(identities.get(0).signedBytes().toByteArray(), StandardCharsets.UTF_8));
        bundle.put("qe_identity_signature", identities.get(0).signature().hex());
        if (!qeIdentityChain.isEmpty()) {
            bundle.put("qe_identity_issuer_chain", qeIdentityChain);
        }
        try {
            bundle.put("pck_crl", HexFormat.of().formatHex(crl(pckCrl).getEncoded()));
            return JSON.writeValueAsBytes(bundle);
        } catch (java.security.cert.CRLException | IOException e) {
            throw new MalformedEvidenceException("collateral: the PCK CRL cannot be encoded: " + e.getMessage(), e);
        }
    }

    private static String message(IOException e) {
        return e instanceof com.fasterxml.jackson.core.JsonProcessingException json ? json.getOriginalMessage()
                : String.valueOf(e.getMessage());
    }

    /** One CRL, DER or a single PEM block, and nothing after it. */
    public static X509CRL crl(byte[] derOrPem) throws MalformedEvidenceException {
        return Certificates.parseCrl(derOrPem, "the CRL");
    }

    /** The exact bytes of a top-level member's object value. */
    private static byte[] rawMember(byte[] json, String name) throws MalformedEvidenceException {
        try (JsonParser parser = FACTORY.createParser(json)) {
            parser.nextToken();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if (field.equals(name) && value == JsonToken.START_OBJECT) {
                    long start = parser.currentTokenLocation().getByteOffset();
                    parser.skipChildren();
                    long end = parser.currentLocation().getByteOffset();
                    return Arrays.copyOfRange(json, (int) start, (int) end);
                }
                parser.skipChildren();
            }
        } catch (IOException e) {
            throw new MalformedEvidenceException("collateral JSON: " + message(e), e);
        }
        throw new MalformedEvidenceException("collateral member " + name + " is not an object");
    }

    static TcbInfo tcbInfo(byte[] signed, Octets signature) throws MalformedEvidenceException {
        JsonNode info = tree(signed, "tcbInfo");
        String id = text(info, "id");
        int version = integer(info, "version");
        if (version != 3 || !(id.equals("SGX") || id.equals("TDX"))) {
            throw new MalformedEvidenceException("tcbInfo " + id + " version " + version
                    + " is not supported (SGX or TDX, version 3, are)");
        }
        List<TcbLevel> levels = new ArrayList<>();
        for (JsonNode level : array(info, "tcbLevels")) {
            JsonNode tcb = object(level, "tcb");
            levels.add(new TcbLevel(components(tcb, "sgxtcbcomponents"), integer(tcb, "pcesvn"),
                    id.equals("TDX") ? components(tcb, "tdxtcbcomponents") : List.of(), instant(level, "tcbDate"),
                    status(level), advisories(level)));
        }
        Optional<TdxModuleIdentity> module = Optional.empty();
        if (info.has("tdxModule")) {
            JsonNode m = object(info, "tdxModule");
            module = Optional.of(new TdxModuleIdentity("TDX module", hex(text(m, "mrsigner"), "mrsigner"),
                    hex(text(m, "attributes"), "attributes"), hex(text(m, "attributesMask"), "attributesMask"),
                    List.of()));
        }
        List<TdxModuleIdentity> identities = new ArrayList<>();
        if (info.has("tdxModuleIdentities")) {
            for (JsonNode m : array(info, "tdxModuleIdentities")) {
                identities.add(new TdxModuleIdentity(text(m, "id"), hex(text(m, "mrsigner"), "mrsigner"),
                        hex(text(m, "attributes"), "attributes"), hex(text(m, "attributesMask"), "attributesMask"),
                        identityLevels(m)));
            }
        }
        return new TcbInfo(id, version, instant(info, "issueDate"), instant(info, "nextUpdate"),
                hex(text(info, "fmspc"), "fmspc"), hex(text(info, "pceId"), "pceId"),
                integer(info, "tcbEvaluationDataNumber"), levels, module, identities, Octets.copyOf(signed), signature);
    }

    static EnclaveIdentity identity(byte[] signed, Octets signature) throws MalformedEvidenceException {
        JsonNode identity = tree(signed, "enclaveIdentity");
        int version = integer(identity, "version");
        if (version != 2) {
            throw new MalformedEvidenceException("enclaveIdentity version " + version + " is not supported (2 is)");
        }
        return new EnclaveIdentity(text(identity, "id"), version, instant(identity, "issueDate"),
                instant(identity, "nextUpdate"), integer(identity, "tcbEvaluationDataNumber"),
                hex(text(identity, "miscselect"), "miscselect"), hex(text(identity, "miscselectMask"), "miscselectMask"),
                hex(text(identity, "attributes"), "attributes"), hex(text(identity, "attributesMask"), "attributesMask"),
                hex(text(identity, "mrsigner"), "mrsigner"), integer(identity, "isvprodid"), identityLevels(identity),
                Octets.copyOf(signed), signature);
    }

    private static List<IdentityLevel> identityLevels(JsonNode owner) throws MalformedEvidenceException {
        List<IdentityLevel> levels = new ArrayList<>();
        for (JsonNode level : array(owner, "tcbLevels")) {
            levels.add(new IdentityLevel(integer(object(level, "tcb"), "isvsvn"),
                    level.has("tcbDate") ? Optional.of(instant(level, "tcbDate")) : Optional.empty(), status(level),
                    advisories(level)));
        }
        return levels;
    }

    /**
     * One JSON object and nothing after it: Jackson stops at the end of the first value, so a second
     * document appended to signed collateral would otherwise pass unseen.
     */
    private static JsonNode tree(byte[] json, String what) throws MalformedEvidenceException {
        try (JsonParser parser = JSON.createParser(json)) {
            JsonNode node = JSON.readTree(parser);
            if (node == null || !node.isObject()) {
                throw new MalformedEvidenceException(what + " must be a JSON object");
            }
            if (parser.nextToken() != null) {
                throw new MalformedEvidenceException(what + " has more after the JSON document ends (at byte "
                        + parser.currentTokenLocation().getByteOffset() + ")");
            }
            return node;
        } catch (IOException e) {
            throw new MalformedEvidenceException(what + " is not JSON: " + message(e), e);
        }
    }

    private static List<Integer> components(JsonNode tcb, String name) throws MalformedEvidenceException {
        List<Integer> svns = new ArrayList<>();
        for (JsonNode component : array(tcb, name)) {
            svns.add(integer(component, "svn"));
        }
        if (svns.size() != 16) {
            throw new MalformedEvidenceException(name + " must have 16 components, not " + svns.size());
        }
        return svns;
    }

    private static TcbStatus status(JsonNode level) throws MalformedEvidenceException {
        String wire = text(level, "tcbStatus");
        return TcbStatus.fromWire(wire).orElseThrow(() -> new MalformedEvidenceException("unknown tcbStatus " + wire));
    }

    private static List<String> advisories(JsonNode level) throws MalformedEvidenceException {
        List<String> ids = new ArrayList<>();
        if (level.has("advisoryIDs")) {
            for (JsonNode id : array(level, "advisoryIDs")) {
                if (!id.isTextual()) {
                    throw new MalformedEvidenceException("advisoryIDs must be strings");
                }
                ids.add(id.asText());
            }
        }
        return ids;
    }

    private static JsonNode object(JsonNode owner, String name) throws MalformedEvidenceException {
        JsonNode node = owner.get(name);
        if (node == null || !node.isObject()) {
            throw new MalformedEvidenceException("collateral field " + name + " must be an object");
        }
        return node;
    }

    private static Iterable<JsonNode> array(JsonNode owner, String name) throws MalformedEvidenceException {
        JsonNode node = owner.get(name);
        if (node == null || !node.isArray()) {
            throw new MalformedEvidenceException("collateral field " + name + " must be an array");
        }
        return node;
    }

    private static String text(JsonNode owner, String name) throws MalformedEvidenceException {
        JsonNode node = owner.get(name);
        if (node == null || !node.isTextual()) {
            throw new MalformedEvidenceException("collateral field " + name + " must be a string");
        }
        return node.asText();
    }

    private static int integer(JsonNode owner, String name) throws MalformedEvidenceException {
        JsonNode node = owner.get(name);
        if (node == null || !node.canConvertToInt() || !node.isIntegralNumber() || node.asInt() < 0) {
            throw new MalformedEvidenceException("collateral field " + name + " must be a non-negative integer");
        }
        return node.asInt();
    }

    private static Instant instant(JsonNode owner, String name) throws MalformedEvidenceException {
        String value = text(owner, name);
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new MalformedEvidenceException("collateral field " + name + " is not an ISO-8601 instant: " + value, e);
        }
    }

    private static Octets hex(String value, String name) throws MalformedEvidenceException {
        try {
            return Octets.copyOf(HexFormat.of().parseHex(value));
        } catch (IllegalArgumentException e) {
            throw new MalformedEvidenceException("collateral field " + name + " is not hex", e);
        }
    }
}
