package dev.duet.protocol.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.duet.attestation.Octets;
import dev.duet.attestation.TeeKind;
import dev.duet.protocol.policy.DeploymentPolicyParser.Syntax;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every key of a deployment policy read, in JSON and YAML alike; every unknown, mistyped or duplicated key refused with its path. */
class DeploymentPolicyParserTest {
    private static final String M1 = "11".repeat(48);
    private static final String M2 = "22".repeat(48);
    private static final String ARK = "ab".repeat(32);
    private static final String OWNER = "cd".repeat(32);

    static final String JSON = """
            {
              "controller": {
                "evidenceKinds": ["sev-snp", "tdx"],
                "snp": {"measurements": ["%1$s"], "minimumTcb": {"bootloader": 3, "snp": 20, "microcode": 209}},
                "tdx": {"mrTd": ["%2$s"], "minimumTeeTcbSvn": "%5$s"},
                "trustSimulatedRoot": "%3$s"
              },
              "cvm": {
                "evidenceKinds": ["sev-snp"],
                "allowDebug": false,
                "snp": {"measurements": ["%2$s"], "minimumTcb": {"tee": 0, "snp": 8}},
                "allowAdoptedWithoutLaunchEvidence": true
              },
              "owners": ["%4$s"],
              "mode": {"inService": "required", "sinceEntry": 12, "forAtLeast": "P7D"},
              "maxAge": "PT24H",
              "requireNonce": true,
              "forbiddenCommands": [["rm", "**"], ["**", "--force", "**"], ["sh", "-c", "*\\\\**"]],
              "maxInUpdateWindows": 2
            }
            """.formatted(M1, M2, ARK, OWNER, "03".repeat(16));

    static final String YAML = """
            # the same policy as JSON, in YAML
            controller:
              evidenceKinds: [sev-snp, tdx]
              snp:
                measurements: ["%1$s"]
                minimumTcb: {bootloader: 3, snp: 20, microcode: 209}
              tdx:
                mrTd:
                  - "%2$s"
                minimumTeeTcbSvn: "%5$s"
              trustSimulatedRoot: "%3$s"
            cvm:
              evidenceKinds: [sev-snp]
              allowDebug: false
              snp:
                measurements: ["%2$s"]
                minimumTcb: {tee: 0, snp: 8}
              allowAdoptedWithoutLaunchEvidence: true
            owners:
              - "%4$s"
            mode:
              inService: required
              sinceEntry: 12
              forAtLeast: P7D
            maxAge: PT24H
            requireNonce: true
            forbiddenCommands:
              - [rm, "**"]
              - ["**", "--force", "**"]
              - [sh, -c, '*\\**']
            maxInUpdateWindows: 2
            """.formatted(M1, M2, ARK, OWNER, "03".repeat(16));

    private static DeploymentPolicy parse(String text, Syntax syntax) throws DeploymentPolicyException {
        return DeploymentPolicyParser.parse(text.getBytes(StandardCharsets.UTF_8), syntax);
    }

    private static final String MINIMAL = "{\"controller\": {\"evidenceKinds\": [\"sev-snp\"]}, \"cvm\": {\"evidenceKinds\": [\"sev-snp\"]}}";

    /** The minimal policy with {@code member} (a JSON member, or members) added at the top level. */
    private static String with(String member) {
        return MINIMAL.substring(0, MINIMAL.length() - 1) + ", " + member + "}";
    }

    @Test
    void everyKeyIsRead() throws Exception {
        DeploymentPolicy policy = parse(JSON, Syntax.JSON);
        assertThat(policy.controller().evidence().evidenceKinds()).containsExactly(TeeKind.TDX, TeeKind.SEV_SNP);
        assertThat(policy.controller().measurements()).containsExactlyInAnyOrder(Octets.fromHex(M1), Octets.fromHex(M2));
        assertThat(policy.controller().evidence().snp().minimumTcb().bootloader()).isEqualTo(OptionalInt.of(3));
        assertThat(policy.controller().evidence().snp().minimumTcb().microcode()).isEqualTo(OptionalInt.of(209));
        assertThat(policy.controller().evidence().tdx().minimumTeeTcbSvn()).contains(Octets.fromHex("03".repeat(16)));
        assertThat(policy.controller().simulatedArk()).contains(Octets.fromHex(ARK));
        var trust = policy.controller().trust(dev.duet.attestation.AttestationVerifier.vendorRoots());
        assertThat(trust.simulatedArk()).contains(Octets.fromHex(ARK));
        assertThat(trust.measurements()).hasSize(2);
        assertThat(trust.minimumTcb()).isEqualTo(policy.controller().evidence().snp().minimumTcb());
        assertThat(trust.minimumTeeTcbSvn()).contains(Octets.fromHex("03".repeat(16)));
        assertThat(policy.cvm().evidence().evidenceKinds()).containsExactly(TeeKind.SEV_SNP);
        assertThat(policy.cvm().evidence().snp().measurements()).containsExactly(Octets.fromHex(M2));
        assertThat(policy.cvm().evidence().snp().minimumTcb().snp()).isEqualTo(OptionalInt.of(8));
        assertThat(policy.cvm().allowAdoptedWithoutLaunchEvidence()).isTrue();
        assertThat(policy.owners()).hasValueSatisfying(o -> assertThat(o).containsExactly(OWNER));
        assertThat(policy.mode()).contains(new DeploymentPolicy.ModeRule(OptionalLong.of(12), java.util.Optional.of(Duration.ofDays(7))));
        assertThat(policy.maxAge()).contains(Duration.ofHours(24));
        assertThat(policy.requireNonce()).isTrue();
        assertThat(policy.forbiddenCommands()).containsExactly(new ArgvPattern(List.of("rm", "**")),
                new ArgvPattern(List.of("**", "--force", "**")), new ArgvPattern(List.of("sh", "-c", "*\\**")));
        assertThat(policy.maxInUpdateWindows()).isEqualTo(OptionalInt.of(2));
        var bundleTrust = policy.bundleTrust(dev.duet.attestation.AttestationVerifier.vendorRoots(), java.util.Optional.of("n"),
                java.util.Optional.empty(), Deployments.NOW);
        assertThat(bundleTrust.cvm()).isEqualTo(policy.cvm().evidence());
        assertThat(bundleTrust.controller().simulatedArk()).contains(Octets.fromHex(ARK));
    }

    @Test
    void yamlAndJsonGiveTheSamePolicy() throws Exception {
        assertThat(parse(YAML, Syntax.YAML)).isEqualTo(parse(JSON, Syntax.JSON));
        assertThat(parse(JSON, Syntax.YAML)).as("JSON read as YAML").isEqualTo(parse(JSON, Syntax.JSON));
    }

    @Test
    void whatIsNotGivenIsNotRequiredAndSimulatedEvidenceIsNotTrusted() throws Exception {
        DeploymentPolicy policy = parse(MINIMAL, Syntax.JSON);
        assertThat(policy.controller().simulatedArk()).isEmpty();
        assertThat(policy.cvm().allowAdoptedWithoutLaunchEvidence()).isFalse();
        assertThat(policy.cvm().evidence().allowDebug()).isFalse();
        assertThat(policy.owners()).isEmpty();
        assertThat(policy.mode()).isEmpty();
        assertThat(policy.maxAge()).isEmpty();
        assertThat(policy.requireNonce()).isFalse();
        assertThat(policy.forbiddenCommands()).isEmpty();
        assertThat(policy.maxInUpdateWindows()).isEmpty();
    }

    @Test
    void ownersMayBeGivenAsPublicKeys() throws Exception {
        var key = dev.duet.protocol.Ed25519KeyPair.generate().publicKey();
        DeploymentPolicy policy = parse(with("\"owners\": [\"" + key.base64() + "\", " + new com.fasterxml.jackson.databind.ObjectMapper()
                .writeValueAsString(Deployments.OTHER_OWNER.publicKey().toPem()) + "]"), Syntax.JSON);
        assertThat(policy.owners()).hasValueSatisfying(o -> assertThat(o).containsExactlyInAnyOrder(key.keyId(),
                Deployments.OTHER_OWNER.publicKey().keyId()));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            "maxage": "PT1H"                                                     | maxage
            "controller": {"evidenceKinds": ["sev-snp"], "allowDebug": true}     | controller.allowDebug
            "controller": {"evidenceKinds": ["sev-snp"], "reportData": "00"}     | controller.reportData
            "controller": {"evidenceKinds": ["sev-snp"], "tcb": {}}              | controller.tcb
            "controller": {"evidenceKinds": ["sev-snp"], "snp": {"vmpl": 0}}     | controller.snp.vmpl
            "controller": {"evidenceKinds": ["tdx"], "tdx": {"rtmr0": []}}       | controller.tdx.rtmr0
            "mode": {"inService": "required", "since": 3}                        | mode.since
            """)
    void anUnknownKeyIsRefusedWithItsPath(String member, String path) {
        String text = member.startsWith("\"controller\"") ? MINIMAL.replaceFirst("\"controller\": \\{\"evidenceKinds\": \\[\"sev-snp\"\\]\\}",
                java.util.regex.Matcher.quoteReplacement(member)) : with(member);
        assertThatThrownBy(() -> parse(text, Syntax.JSON)).isInstanceOfSatisfying(DeploymentPolicyException.class, e -> {
            assertThat(e.path()).isEqualTo(path);
            assertThat(e.getMessage()).contains("unknown key").doesNotContain("Exception");
        });
    }

    @Test
    void anUnknownKeyInsideTheReusedAppraisalLanguageIsRefused() {
        assertThatThrownBy(() -> parse(MINIMAL.replace("\"cvm\": {\"evidenceKinds\": [\"sev-snp\"]}",
                "\"cvm\": {\"evidenceKinds\": [\"sev-snp\"], \"snp\": {\"measurement\": []}}"), Syntax.JSON))
                .isInstanceOfSatisfying(DeploymentPolicyException.class, e -> {
                    assertThat(e.path()).isEqualTo("cvm");
                    assertThat(e.getMessage()).isEqualTo("cvm: snp: unknown key \"measurement\" (known: measurements, hostData, vmpl, "
                            + "minimumGuestSvn, minimumTcb, signingKeys)");
                });
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            "requireNonce": "yes"                                  | requireNonce
            "maxInUpdateWindows": -1                               | maxInUpdateWindows
            "maxInUpdateWindows": 1.5                              | maxInUpdateWindows
            "maxInUpdateWindows": "2"                              | maxInUpdateWindows
            "maxAge": "24h"                                        | maxAge
            "maxAge": "PT0S"                                       | maxAge
            "maxAge": "-PT1H"                                      | maxAge
            "maxAge": 3600                                         | maxAge
            "mode": {"inService": "optional"}                      | mode.inService
            "mode": {"inService": true}                            | mode.inService
            "mode": {"sinceEntry": 3}                              | mode.inService
            "mode": {"inService": "required", "sinceEntry": -1}    | mode.sinceEntry
            "mode": {"inService": "required", "sinceEntry": "3"}   | mode.sinceEntry
            "mode": {"inService": "required", "forAtLeast": "1w"}  | mode.forAtLeast
            "mode": "in-service"                                   | mode
            "forbiddenCommands": ["rm"]                            | forbiddenCommands[0]
            "forbiddenCommands": "rm"                              | forbiddenCommands
            "forbiddenCommands": [["rm", 5]]                       | forbiddenCommands[0][1]
            "forbiddenCommands": [[]]                              | forbiddenCommands[0]
            "forbiddenCommands": [["rm"], ["x\\\\"]]               | forbiddenCommands[1][0]
            "owners": []                                           | owners
            "owners": ["not a key"]                                | owners[0]
            "owners": ["%1$s", "%1$s"]                             | owners[1]
            "owners": "%1$s"                                       | owners
            """)
    void aMistypedValueIsRefusedWithItsPath(String member, String path) {
        assertThatThrownBy(() -> parse(with(member.formatted(OWNER)), Syntax.JSON)).isInstanceOfSatisfying(DeploymentPolicyException.class,
                e -> assertThat(e.path()).isEqualTo(path));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            {"cvm": {"evidenceKinds": ["sev-snp"]}}                                                       | controller
            {"controller": {"evidenceKinds": ["sev-snp"]}}                                                | cvm
            {"controller": ["sev-snp"], "cvm": {"evidenceKinds": ["sev-snp"]}}                            | controller
            {"controller": {}, "cvm": {"evidenceKinds": ["sev-snp"]}}                                     | controller
            {"controller": {"evidenceKinds": ["sgx"]}, "cvm": {"evidenceKinds": ["sev-snp"]}}             | controller.evidenceKinds
            {"controller": {"evidenceKinds": ["sev-snp"], "trustSimulatedRoot": "zz"}, "cvm": {"evidenceKinds": ["sev-snp"]}}   | controller.trustSimulatedRoot
            {"controller": {"evidenceKinds": ["sev-snp"], "trustSimulatedRoot": "abcd"}, "cvm": {"evidenceKinds": ["sev-snp"]}} | controller.trustSimulatedRoot
            {"controller": {"evidenceKinds": ["sev-snp"], "snp": {"measurements": []}}, "cvm": {"evidenceKinds": ["sev-snp"]}}  | controller
            {"controller": {"evidenceKinds": ["sev-snp"]}, "cvm": {"evidenceKinds": ["sev-snp"], "reportData": "00"}}            | cvm.reportData
            {"controller": {"evidenceKinds": ["sev-snp"]}, "cvm": {"evidenceKinds": ["sev-snp"], "allowAdoptedWithoutLaunchEvidence": 1}} | cvm.allowAdoptedWithoutLaunchEvidence
            {"controller": {"evidenceKinds": ["sev-snp"]}, "cvm": {"evidenceKinds": ["sev-snp"], "snp": {"measurements": ["11"]}}}     | cvm
            """)
    void aBadSectionIsRefusedWithItsPath(String document, String path) {
        assertThatThrownBy(() -> parse(document, Syntax.JSON)).isInstanceOfSatisfying(DeploymentPolicyException.class,
                e -> assertThat(e.path()).isEqualTo(path));
    }

    @Test
    void aDuplicatedKeyIsRefusedInJsonAndYaml() {
        assertThatThrownBy(() -> parse(with("\"maxAge\": \"PT1H\", \"maxAge\": \"P365D\""), Syntax.JSON))
                .isInstanceOf(DeploymentPolicyException.class).hasMessageContaining("maxAge");
        assertThatThrownBy(() -> parse(with("\"mode\": {\"inService\": \"required\", \"inService\": \"required\"}"), Syntax.JSON))
                .isInstanceOf(DeploymentPolicyException.class).hasMessageContaining("inService");
        assertThatThrownBy(() -> parse(YAML + "maxAge: P365D\n", Syntax.YAML))
                .isInstanceOf(DeploymentPolicyException.class).hasMessageContaining("maxAge");
        assertThatThrownBy(() -> parse(YAML.replace("  allowDebug: false\n", "  allowDebug: false\n  allowDebug: true\n"), Syntax.YAML))
                .isInstanceOf(DeploymentPolicyException.class).hasMessageContaining("allowDebug");
    }

    @ParameterizedTest(name = "{1}: {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            ``                                   | JSON
            ``                                   | YAML
            `[]`                                 | JSON
            `42`                                 | YAML
            `{"controller": {}} {}`              | JSON
            `{"controller": `                    | JSON
            `a: 1\n---\nb: 2`                    | YAML
            `a: [1, 2`                           | YAML
            `a: b: c`                            | YAML
            `\t- x`                              | YAML
            `null`                               | JSON
            `~`                                  | YAML
            """)
    void aDocumentThatIsNotOnePolicyObjectIsRefused(String text, Syntax syntax) {
        assertThatThrownBy(() -> parse(text.replace("\\n", "\n").replace("\\t", "\t"), syntax)).isInstanceOfSatisfying(
                DeploymentPolicyException.class, e -> assertThat(e.path()).isEmpty());
    }

    /** Total: whatever the bytes (every prefix of a real policy, random bytes), only the parser's own exception escapes. */
    @Test
    void noInputEscapesAsAnotherException() {
        Random random = new Random(11);
        for (Syntax syntax : Syntax.values()) {
            byte[] text = (syntax == Syntax.JSON ? JSON : YAML).getBytes(StandardCharsets.UTF_8);
            for (int end = 0; end < text.length; end++) {
                survives(java.util.Arrays.copyOf(text, end), syntax);
            }
            for (int i = 0; i < 2000; i++) {
                byte[] mutated = text.clone();
                for (int k = 0; k < 1 + random.nextInt(4); k++) {
                    mutated[random.nextInt(mutated.length)] = (byte) random.nextInt(256);
                }
                survives(mutated, syntax);
            }
        }
    }

    private static void survives(byte[] bytes, Syntax syntax) {
        try {
            DeploymentPolicyParser.parse(bytes, syntax);
        } catch (DeploymentPolicyException expected) {
            assertThat(expected.getMessage()).doesNotEndWith(": null").doesNotContain("java.").doesNotContain("Exception");
        }
    }

    @Test
    void theControllerSectionAcceptsOnlyWhatTheControllerVerifierApplies() throws Exception {
        DeploymentPolicy policy = parse(MINIMAL, Syntax.JSON);
        assertThat(policy.controller().measurements()).isEmpty();
        assertThat(Set.of(TeeKind.SEV_SNP)).isEqualTo(policy.controller().evidence().evidenceKinds());
    }
}
