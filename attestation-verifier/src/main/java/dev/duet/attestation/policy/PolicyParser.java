package dev.duet.attestation.policy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.attestation.Octets;
import dev.duet.attestation.TeeKind;
import dev.duet.attestation.collateral.TcbStatus;
import dev.duet.attestation.snp.SigningKey;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Reads an appraisal policy from JSON. Unknown keys are errors: a misspelt "alowDebug" must not
 * silently leave the default in force. Anything not given keeps {@link AppraisalPolicy#strict()},
 * except the kinds of evidence: a policy file names them ({@code evidenceKinds}, or else the
 * {@code snp}/{@code tdx}/{@code sgx} sections it has), and one that names none is refused, since a
 * policy written with one kind in mind would otherwise accept every other kind.
 */
public final class PolicyParser {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    /** A VMPL is 0 to 3 (SEV-SNP ABI, the report's VMPL field). */
    private static final int MAX_VMPL = 3;
    private static final int MAX_U8 = 0xff;
    private static final int MAX_U16 = 0xffff;
    private static final long MAX_U32 = 0xffff_ffffL;
    /** A bound that keeps the age a Duration; no collateral is meant to be trusted for a century. */
    private static final int MAX_AGE_DAYS = 36_500;

    private PolicyParser() {}

    public static AppraisalPolicy parse(byte[] json) throws PolicyException {
        JsonNode root = document(json);
        AppraisalPolicy strict = AppraisalPolicy.strict();
        only(root, "policy", "evidenceKinds", "allowDebug", "reportData", "snp", "tdx", "sgx", "tcb");
        Set<TeeKind> kinds = evidenceKinds(root);
        boolean allowDebug = bool(root, "allowDebug", false);
        Optional<Octets> reportData = hex(root, "reportData", 64);

        AppraisalPolicy.Snp snp = strict.snp();
        if (root.has("snp")) {
            JsonNode s = object(root, "snp");
            only(s, "snp", "measurements", "hostData", "vmpl", "minimumGuestSvn", "minimumTcb", "signingKeys");
            AppraisalPolicy.MinimumTcb minimum = AppraisalPolicy.MinimumTcb.NONE;
            if (s.has("minimumTcb")) {
                JsonNode m = object(s, "minimumTcb");
                only(m, "snp.minimumTcb", "bootloader", "tee", "snp", "microcode", "fmc");
                minimum = new AppraisalPolicy.MinimumTcb(tcbPart(m, "bootloader"), tcbPart(m, "tee"), tcbPart(m, "snp"),
                        tcbPart(m, "microcode"), tcbPart(m, "fmc"));
            }
            Set<SigningKey> keys = snp.signingKeys();
            if (s.has("signingKeys")) {
                keys = EnumSet.noneOf(SigningKey.class);
                for (String name : strings(s, "signingKeys")) {
                    if (!name.equals("VCEK") && !name.equals("VLEK")) {
                        throw new PolicyException("snp.signingKeys: " + name + " is neither VCEK nor VLEK");
                    }
                    keys.add(SigningKey.valueOf(name));
                }
                if (keys.isEmpty()) {
                    throw new PolicyException("snp.signingKeys is an empty allow-list, which would accept nothing; omit it to accept VCEK and VLEK");
                }
            }
            OptionalInt vmpl = s.has("vmpl") ? integer(s, "snp.vmpl", MAX_VMPL) : snp.vmpl();
            OptionalLong guestSvn = s.has("minimumGuestSvn") ? OptionalLong.of(unsigned(s, "snp.minimumGuestSvn", MAX_U32))
                    : OptionalLong.empty();
            snp = new AppraisalPolicy.Snp(hexSet(s, "measurements", 48), hex(s, "hostData", 32), vmpl, guestSvn, minimum, keys);
        }

        AppraisalPolicy.Tdx tdx = strict.tdx();
        if (root.has("tdx")) {
            JsonNode t = object(root, "tdx");
            only(t, "tdx", "mrTd", "rtmr0", "rtmr1", "rtmr2", "rtmr3", "mrConfigId", "minimumTeeTcbSvn");
            List<Set<Octets>> rtmrs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                rtmrs.add(hexSet(t, "rtmr" + i, 48));
            }
            tdx = new AppraisalPolicy.Tdx(hexSet(t, "mrTd", 48), rtmrs, hexSet(t, "mrConfigId", 48),
                    hex(t, "minimumTeeTcbSvn", 16));
        }

        AppraisalPolicy.Sgx sgx = strict.sgx();
        if (root.has("sgx")) {
            JsonNode g = object(root, "sgx");
            only(g, "sgx", "mrEnclave", "mrSigner", "isvProdId", "minimumIsvSvn");
            sgx = new AppraisalPolicy.Sgx(hexSet(g, "mrEnclave", 32), hexSet(g, "mrSigner", 32), integer(g, "sgx.isvProdId", MAX_U16),
                    integer(g, "sgx.minimumIsvSvn", MAX_U16));
        }

        AppraisalPolicy.Tcb tcb = strict.tcb();
        if (root.has("tcb")) {
            JsonNode c = object(root, "tcb");
            only(c, "tcb", "acceptedStatuses", "requireCollateral", "maximumCollateralAgeDays");
            Set<TcbStatus> statuses = tcb.acceptedStatuses();
            if (c.has("acceptedStatuses")) {
                statuses = EnumSet.noneOf(TcbStatus.class);
                for (String wire : strings(c, "acceptedStatuses")) {
                    statuses.add(TcbStatus.fromWire(wire).orElseThrow(() -> new PolicyException(
                            "tcb.acceptedStatuses: " + wire + " is not a TCB status (UpToDate, SWHardeningNeeded, "
                                    + "ConfigurationNeeded, ConfigurationAndSWHardeningNeeded, OutOfDate, "
                                    + "OutOfDateConfigurationNeeded, Revoked)")));
                }
                if (statuses.isEmpty()) {
                    throw new PolicyException("tcb.acceptedStatuses is an empty allow-list, which would accept nothing; omit it to accept UpToDate");
                }
            }
            Duration age = tcb.maximumCollateralAge();
            OptionalInt days = integer(c, "tcb.maximumCollateralAgeDays", MAX_AGE_DAYS);
            if (days.isPresent()) {
                age = Duration.ofDays(days.getAsInt());
            }
            tcb = new AppraisalPolicy.Tcb(statuses, bool(c, "requireCollateral", true), age);
        }
        return new AppraisalPolicy(kinds, allowDebug, reportData, snp, tdx, sgx, tcb);
    }

    /** One JSON object and nothing after it (Jackson alone stops at the end of the first value). */
    private static JsonNode document(byte[] json) throws PolicyException {
        try (JsonParser parser = JSON.createParser(json)) {
            JsonNode root = JSON.readTree(parser);
            if (root == null || !root.isObject()) {
                throw new PolicyException("the policy must be a JSON object");
            }
            if (parser.nextToken() != null) {
                throw new PolicyException("the policy has more after the JSON document ends (at byte "
                        + parser.currentTokenLocation().getByteOffset() + ")");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw new PolicyException("the policy is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new PolicyException("the policy cannot be read: " + e.getMessage());
        }
    }

    /** {@code evidenceKinds} when given (and then every kind section must be listed), else the kind sections present. */
    private static Set<TeeKind> evidenceKinds(JsonNode root) throws PolicyException {
        Map<String, TeeKind> sections = new LinkedHashMap<>();
        sections.put("snp", TeeKind.SEV_SNP);
        sections.put("tdx", TeeKind.TDX);
        sections.put("sgx", TeeKind.SGX);
        Set<TeeKind> kinds = EnumSet.noneOf(TeeKind.class);
        if (root.has("evidenceKinds")) {
            for (String wire : strings(root, "evidenceKinds")) {
                Optional<TeeKind> kind = TeeKind.parse(wire).filter(AppraisalPolicy.ALL_KINDS::contains);
                if (kind.isEmpty()) {
                    throw new PolicyException("evidenceKinds: \"" + wire + "\" is not a kind of evidence (sev-snp, tdx, sgx)");
                }
                kinds.add(kind.get());
            }
            if (kinds.isEmpty()) {
                throw new PolicyException("evidenceKinds is empty, so the policy accepts nothing; list sev-snp, tdx or sgx");
            }
            for (Map.Entry<String, TeeKind> section : sections.entrySet()) {
                if (root.has(section.getKey()) && !kinds.contains(section.getValue())) {
                    throw new PolicyException("the policy's " + section.getKey() + " section is for "
                            + section.getValue().wire() + ", which evidenceKinds does not list");
                }
            }
        } else {
            for (Map.Entry<String, TeeKind> section : sections.entrySet()) {
                if (root.has(section.getKey())) {
                    kinds.add(section.getValue());
                }
            }
            if (kinds.isEmpty()) {
                throw new PolicyException("the policy names no evidence kind, so it is unclear what it may accept: add "
                        + "\"evidenceKinds\": [...] with sev-snp, tdx and/or sgx, or an snp, tdx or sgx section");
            }
        }
        if (root.has("tcb") && !kinds.contains(TeeKind.TDX) && !kinds.contains(TeeKind.SGX)) {
            throw new PolicyException("the tcb section applies only to TDX and SGX quotes, which this policy does not accept");
        }
        return kinds;
    }

    private static void only(JsonNode node, String where, String... allowed) throws PolicyException {
        Set<String> known = Set.of(allowed);
        for (Iterator<String> names = node.fieldNames(); names.hasNext();) {
            String name = names.next();
            if (!known.contains(name)) {
                throw new PolicyException(where + ": unknown key \"" + name + "\" (known: " + String.join(", ", allowed)
                        + ")");
            }
        }
    }

    private static JsonNode object(JsonNode owner, String name) throws PolicyException {
        JsonNode node = owner.get(name);
        if (!node.isObject()) {
            throw new PolicyException(name + " must be an object");
        }
        return node;
    }

    private static boolean bool(JsonNode owner, String name, boolean otherwise) throws PolicyException {
        JsonNode node = owner.get(name);
        if (node == null) {
            return otherwise;
        }
        if (!node.isBoolean()) {
            throw new PolicyException(name + " must be true or false");
        }
        return node.booleanValue();
    }

    /** One part of SNP's REPORTED_TCB: a byte (SEV-SNP ABI, TCB_VERSION). */
    private static OptionalInt tcbPart(JsonNode minimumTcb, String name) throws PolicyException {
        return integer(minimumTcb, "snp.minimumTcb." + name, MAX_U8);
    }

    /** {@code where}'s last part names the member; the whole path names it in the error. */
    private static OptionalInt integer(JsonNode owner, String where, int max) throws PolicyException {
        String name = where.substring(where.lastIndexOf('.') + 1);
        if (owner.get(name) == null) {
            return OptionalInt.empty();
        }
        return OptionalInt.of((int) unsigned(owner, where, max));
    }

    private static long unsigned(JsonNode owner, String where, long max) throws PolicyException {
        JsonNode node = owner.get(where.substring(where.lastIndexOf('.') + 1));
        if (!node.isIntegralNumber() || !node.canConvertToLong() || node.longValue() < 0 || node.longValue() > max) {
            throw new PolicyException(where + " must be an integer from 0 to " + max + ", not " + node);
        }
        return node.longValue();
    }

    private static List<String> strings(JsonNode owner, String name) throws PolicyException {
        JsonNode node = owner.get(name);
        if (!node.isArray()) {
            throw new PolicyException(name + " must be an array of strings");
        }
        List<String> values = new ArrayList<>();
        for (JsonNode element : node) {
            if (!element.isTextual()) {
                throw new PolicyException(name + " must be an array of strings");
            }
            values.add(element.textValue());
        }
        return values;
    }

    private static Optional<Octets> hex(JsonNode owner, String name, int length) throws PolicyException {
        JsonNode node = owner.get(name);
        if (node == null) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            throw new PolicyException(name + " must be a hex string");
        }
        return Optional.of(hexValue(node.textValue(), name, length));
    }

    private static Set<Octets> hexSet(JsonNode owner, String name, int length) throws PolicyException {
        if (!owner.has(name)) {
            return Set.of();
        }
        Set<Octets> values = new HashSet<>();
        for (String value : strings(owner, name)) {
            values.add(hexValue(value, name, length));
        }
        if (values.isEmpty()) {
            throw new PolicyException(name + " is an empty allow-list, which would accept nothing; omit it to accept any");
        }
        return values;
    }

    private static Octets hexValue(String text, String name, int length) throws PolicyException {
        byte[] bytes;
        try {
            bytes = HexFormat.of().parseHex(text);
        } catch (IllegalArgumentException e) {
            throw new PolicyException(name + ": \"" + text + "\" is not hex");
        }
        if (bytes.length != length) {
            throw new PolicyException(name + " must be " + length + " bytes (" + 2 * length + " hex digits), not "
                    + bytes.length);
        }
        return Octets.copyOf(bytes);
    }
}
