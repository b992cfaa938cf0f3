package dev.duet.protocol.policy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.duet.attestation.Octets;
import dev.duet.attestation.TeeKind;
import dev.duet.attestation.policy.AppraisalPolicy;
import dev.duet.attestation.policy.PolicyException;
import dev.duet.attestation.policy.PolicyParser;
import dev.duet.protocol.Ed25519PublicKey;
import dev.duet.protocol.KeyFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads a deployment policy (docs/policy-file.md) from JSON or YAML, which give the same policy for
 * the same tree. Strict like {@link PolicyParser}, whose language the {@code controller} and
 * {@code cvm} sections reuse: an unknown key, a duplicated key, a value of the wrong type or an
 * empty allow-list is a {@link DeploymentPolicyException} naming the key's path, never a default
 * silently left in force. Total: no other exception escapes, whatever the bytes.
 */
public final class DeploymentPolicyParser {
    /** The two spellings of a policy file. */
    public enum Syntax { JSON, YAML }

    private static final ObjectMapper JSON = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY).build();
    private static final ObjectMapper YAML = YAMLMapper.builder().enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY).build();
    private static final Pattern KEY_ID = Pattern.compile("[0-9a-f]{64}");
    /** The controller verifier applies these of an appraisal policy; the rest is fixed by the key binding and the strict policy. */
    private static final String[] CONTROLLER_KEYS = {"evidenceKinds", "snp", "tdx", "trustSimulatedRoot"};

    private DeploymentPolicyParser() {}

    public static DeploymentPolicy parse(byte[] bytes, Syntax syntax) throws DeploymentPolicyException {
        JsonNode root = document(bytes, syntax);
        only(root, "", "controller", "cvm", "owners", "mode", "maxAge", "requireNonce", "forbiddenCommands", "maxInUpdateWindows");
        return new DeploymentPolicy(controller(required(root, "controller")), cvm(required(root, "cvm")), owners(root), mode(root),
                duration(root, "maxAge", "maxAge"), bool(root, "requireNonce", "requireNonce", false), forbiddenCommands(root),
                count(root, "maxInUpdateWindows", "maxInUpdateWindows"));
    }

    private static JsonNode document(byte[] bytes, Syntax syntax) throws DeploymentPolicyException {
        ObjectMapper mapper = syntax == Syntax.JSON ? JSON : YAML;
        String name = syntax == Syntax.JSON ? "JSON" : "YAML";
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new DeploymentPolicyException("", "the policy is not UTF-8 text");
        }
        try (JsonParser parser = mapper.createParser(text)) {
            JsonNode root = mapper.readTree(parser);
            if (root == null || root.isMissingNode() || root.isNull()) {
                throw new DeploymentPolicyException("", "the policy is empty");
            }
            if (!root.isObject()) {
                throw new DeploymentPolicyException("", "the policy must be a " + name + " object (a mapping of keys)");
            }
            if (parser.nextToken() != null) {
                throw new DeploymentPolicyException("", "the policy has more after its " + name + " document ends");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw new DeploymentPolicyException("", "the policy is not " + name + ": " + e.getOriginalMessage());
        } catch (IOException | RuntimeException e) {
            // The YAML scanner reports some malformed input as unchecked exceptions of its own, whose text names classes.
            throw new DeploymentPolicyException("", "the policy is not " + name);
        }
    }

    private static DeploymentPolicy.ControllerRules controller(JsonNode section) throws DeploymentPolicyException {
        object(section, "controller");
        only(section, "controller", CONTROLLER_KEYS);
        if (section.has("snp")) {
            only(object(section.get("snp"), "controller.snp"), "controller.snp", "measurements", "minimumTcb");
        }
        if (section.has("tdx")) {
            only(object(section.get("tdx"), "controller.tdx"), "controller.tdx", "mrTd", "minimumTeeTcbSvn");
        }
        Optional<Octets> simulatedArk = Optional.empty();
        if (section.has("trustSimulatedRoot")) {
            simulatedArk = Optional.of(hex(section.get("trustSimulatedRoot"), "controller.trustSimulatedRoot", 32));
        }
        ObjectNode appraisal = ((ObjectNode) section).deepCopy();
        appraisal.remove("trustSimulatedRoot");
        AppraisalPolicy evidence = appraisal(appraisal, "controller");
        if (evidence.evidenceKinds().contains(TeeKind.SGX)) {
            throw new DeploymentPolicyException("controller.evidenceKinds", "sgx: a controller's SGX quote cannot be verified in this "
                    + "version, so a policy accepting it would accept nothing it could check; list sev-snp and/or tdx");
        }
        return new DeploymentPolicy.ControllerRules(evidence, simulatedArk);
    }

    private static DeploymentPolicy.CvmRules cvm(JsonNode section) throws DeploymentPolicyException {
        object(section, "cvm");
        if (section.has("reportData")) {
            throw new DeploymentPolicyException("cvm.reportData", "REPORT_DATA is where duet binds the CVM's SSH host key (and the "
                    + "nonce); the bundle verifier checks that binding itself, so a policy cannot pin it");
        }
        boolean adopted = bool(section, "allowAdoptedWithoutLaunchEvidence", "cvm.allowAdoptedWithoutLaunchEvidence", false);
        ObjectNode appraisal = ((ObjectNode) section).deepCopy();
        appraisal.remove("allowAdoptedWithoutLaunchEvidence");
        return new DeploymentPolicy.CvmRules(appraisal(appraisal, "cvm"), adopted);
    }

    /** A section in the appraisal policy's own language (docs/attestation.md), read by its own parser. */
    private static AppraisalPolicy appraisal(ObjectNode section, String path) throws DeploymentPolicyException {
        try {
            return PolicyParser.parse(JSON.writeValueAsBytes(section));
        } catch (PolicyException e) {
            throw new DeploymentPolicyException(path, e.getMessage());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree Jackson read is one it can write", e);
        }
    }

    /**
     * Key ids (64 hex digits, as {@code duet owners} prints them) or Ed25519 public keys (base64
     * SubjectPublicKeyInfo, or PEM), each turned into its key id.
     */
    private static Optional<SortedSet<String>> owners(JsonNode root) throws DeploymentPolicyException {
        if (!root.has("owners")) {
            return Optional.empty();
        }
        List<String> given = strings(root.get("owners"), "owners");
        if (given.isEmpty()) {
            throw new DeploymentPolicyException("owners", "an empty list: entry 0 always registers at least one owner; omit owners "
                    + "to leave them unchecked");
        }
        SortedSet<String> ids = new TreeSet<>();
        for (int i = 0; i < given.size(); i++) {
            String owner = given.get(i).strip();
            String id;
            if (KEY_ID.matcher(owner).matches()) {
                id = owner;
            } else {
                try {
                    id = (owner.startsWith("-----BEGIN") ? Ed25519PublicKey.parsePem(owner) : Ed25519PublicKey.parseBase64(owner)).keyId();
                } catch (KeyFormatException e) {
                    throw new DeploymentPolicyException("owners[" + i + "]", "neither a key id (64 lowercase hex digits) nor an Ed25519 "
                            + "public key: " + e.getMessage());
                }
            }
            if (!ids.add(id)) {
                throw new DeploymentPolicyException("owners[" + i + "]", "the owner " + id + " is listed twice");
            }
        }
        return Optional.of(ids);
    }

    private static Optional<DeploymentPolicy.ModeRule> mode(JsonNode root) throws DeploymentPolicyException {
        if (!root.has("mode")) {
            return Optional.empty();
        }
        JsonNode mode = object(root.get("mode"), "mode");
        only(mode, "mode", "inService", "sinceEntry", "forAtLeast");
        JsonNode inService = mode.get("inService");
        if (inService == null || !inService.isTextual() || !inService.textValue().equals("required")) {
            throw new DeploymentPolicyException("mode.inService", "must be \"required\" (omit the mode section to leave the mode unchecked)"
                    + (inService == null ? "" : ", not " + inService));
        }
        OptionalLong since = OptionalLong.empty();
        if (mode.has("sinceEntry")) {
            JsonNode entry = mode.get("sinceEntry");
            if (!entry.isIntegralNumber() || !entry.canConvertToLong() || entry.longValue() < 0) {
                throw new DeploymentPolicyException("mode.sinceEntry", "must be a log entry number (an integer from 0), not " + entry);
            }
            since = OptionalLong.of(entry.longValue());
        }
        return Optional.of(new DeploymentPolicy.ModeRule(since, duration(mode, "forAtLeast", "mode.forAtLeast")));
    }

    private static List<ArgvPattern> forbiddenCommands(JsonNode root) throws DeploymentPolicyException {
        if (!root.has("forbiddenCommands")) {
            return List.of();
        }
        JsonNode list = root.get("forbiddenCommands");
        if (!list.isArray()) {
            throw new DeploymentPolicyException("forbiddenCommands", "must be a list of patterns, each a list of argument globs");
        }
        List<ArgvPattern> patterns = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String path = "forbiddenCommands[" + i + "]";
            List<String> globs = strings(list.get(i), path);
            if (globs.isEmpty()) {
                throw new DeploymentPolicyException(path, "an empty pattern matches no command; give one glob per argument");
            }
            for (int j = 0; j < globs.size(); j++) {
                if (ArgvPattern.danglingEscape(globs.get(j))) {
                    throw new DeploymentPolicyException(path + "[" + j + "]", "ends in a backslash that escapes nothing");
                }
            }
            patterns.add(new ArgvPattern(globs));
        }
        return patterns;
    }

    private static JsonNode required(JsonNode root, String name) throws DeploymentPolicyException {
        JsonNode node = root.get(name);
        if (node == null) {
            throw new DeploymentPolicyException(name, "missing: a policy says which " + name + " evidence it accepts");
        }
        return node;
    }

    private static void only(JsonNode node, String path, String... allowed) throws DeploymentPolicyException {
        Set<String> known = Set.of(allowed);
        for (Iterator<String> names = node.fieldNames(); names.hasNext();) {
            String name = names.next();
            if (!known.contains(name)) {
                throw new DeploymentPolicyException(path.isEmpty() ? name : path + "." + name, "unknown key (known"
                        + (path.isEmpty() ? "" : " in " + path) + ": " + String.join(", ", allowed) + ")");
            }
        }
    }

    private static JsonNode object(JsonNode node, String path) throws DeploymentPolicyException {
        if (!node.isObject()) {
            throw new DeploymentPolicyException(path, "must be an object (a mapping of keys), not " + kind(node));
        }
        return node;
    }

    private static boolean bool(JsonNode owner, String name, String path, boolean otherwise) throws DeploymentPolicyException {
        JsonNode node = owner.get(name);
        if (node == null) {
            return otherwise;
        }
        if (!node.isBoolean()) {
            throw new DeploymentPolicyException(path, "must be true or false, not " + kind(node));
        }
        return node.booleanValue();
    }

    private static OptionalInt count(JsonNode owner, String name, String path) throws DeploymentPolicyException {
        JsonNode node = owner.get(name);
        if (node == null) {
            return OptionalInt.empty();
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() < 0) {
            throw new DeploymentPolicyException(path, "must be an integer from 0, not " + kind(node));
        }
        return OptionalInt.of(node.intValue());
    }

    /** An ISO-8601 duration of days, hours, minutes and seconds ({@code PT24H}, {@code P7D}), positive. */
    private static Optional<Duration> duration(JsonNode owner, String name, String path) throws DeploymentPolicyException {
        JsonNode node = owner.get(name);
        if (node == null) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            throw new DeploymentPolicyException(path, "must be an ISO-8601 duration such as PT24H or P7D, not " + kind(node));
        }
        Duration duration;
        try {
            duration = Duration.parse(node.textValue());
        } catch (DateTimeParseException e) {
            throw new DeploymentPolicyException(path, "\"" + node.textValue() + "\" is not an ISO-8601 duration of days, hours, minutes "
                    + "and seconds such as PT24H or P7D");
        }
        if (duration.isNegative() || duration.isZero()) {
            throw new DeploymentPolicyException(path, "must be longer than zero, not " + node.textValue());
        }
        return Optional.of(duration);
    }

    private static List<String> strings(JsonNode node, String path) throws DeploymentPolicyException {
        if (!node.isArray()) {
            throw new DeploymentPolicyException(path, "must be a list of strings, not " + kind(node));
        }
        List<String> values = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode element = node.get(i);
            if (!element.isTextual()) {
                throw new DeploymentPolicyException(path + "[" + i + "]", "must be a string, not " + kind(element)
                        + " (in YAML, quote it)");
            }
            values.add(element.textValue());
        }
        return values;
    }

    private static Octets hex(JsonNode node, String path, int length) throws DeploymentPolicyException {
        if (!node.isTextual()) {
            throw new DeploymentPolicyException(path, "must be a hex string, not " + kind(node) + " (in YAML, quote it)");
        }
        byte[] bytes;
        try {
            bytes = HexFormat.of().parseHex(node.textValue());
        } catch (IllegalArgumentException e) {
            throw new DeploymentPolicyException(path, "\"" + node.textValue() + "\" is not hex");
        }
        if (bytes.length != length) {
            throw new DeploymentPolicyException(path, "must be " + length + " bytes (" + 2 * length + " hex digits), not " + bytes.length);
        }
        return Octets.copyOf(bytes);
    }

    /** What a node is, for an error message (its value when short, never a Java class name). */
    private static String kind(JsonNode node) {
        String shown = node.toString();
        String type = switch (node.getNodeType()) {
            case ARRAY -> "a list";
            case OBJECT -> "an object";
            case BOOLEAN -> "a boolean";
            case NUMBER -> "a number";
            case STRING -> "a string";
            case NULL -> "null";
            default -> "a value";
        };
        return shown.length() <= 40 ? type + " " + shown : type;
    }
}
