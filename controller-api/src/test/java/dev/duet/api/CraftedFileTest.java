package dev.duet.api;

import static dev.duet.api.EndToEndTest.cli;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.provisioner.testing.OpenSshServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files a user verifies offline, crafted from a real controller's signed state, export and
 * evidence: whatever is added to the bytes the controller signed (a duplicate member, a second
 * document, trailing bytes, an entry beyond the format's limits, a cut) is judged "not what the
 * controller signed", exit 1, the same for every kind of file; and a trust anchor given twice is
 * a usage error, never one of them silently ignored.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CraftedFileTest {
    private Path dir;
    private OpenSshServer sshd;
    private RunningController running;
    private Path pinned;
    private String cvm;
    private String state;
    private String export;
    private String evidence;

    @BeforeAll
    void signedFilesFromARealController(@TempDir Path shared) throws Exception {
        dir = shared;
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        sshd = OpenSshServer.start(dir.resolve("sshd"));
        running = RunningController.start(dir.resolve("data"), List.of(owner.publicKey()));
        pinned = dir.resolve("controller.pub");
        Files.writeString(pinned, running.controller.signingKey().toPem());
        TestOwner http = new TestOwner(running.port(), owner);
        cvm = http.adopt(sshd);
        for (int i = 0; i < 6; i++) {
            assertThat(http.signed("POST", "/v1/cvms/" + cvm + "/commands", "{\"argv\":[\"echo\",\"" + i + "\"]}").status()).isEqualTo(200);
        }
        state = savedState(http, cvm);
        evidence = http.get("/v1/controller/evidence").raw();
        Path exported = dir.resolve("log.json");
        EndToEndTest.CliRun run = cli("log", "export", "--controller", running.url(), "--out", exported.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        export = Files.readString(exported);
    }

    @AfterAll
    void stop() throws Exception {
        running.close();
        sshd.close();
    }

    private Path file(String name, String content) throws Exception {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
    }

    /** {@code text} with {@code inserted} placed right after the first {@code anchor} (which must occur). */
    private static String insertAfter(String text, String anchor, String inserted) {
        int at = text.indexOf(anchor);
        assertThat(at).as(anchor).isNotNegative();
        return text.substring(0, at + anchor.length()) + inserted + text.substring(at + anchor.length());
    }

    private EndToEndTest.CliRun verifyState(Path file, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("verify-state", "--file", file.toString(), "--expect-cvm", cvm));
        args.addAll(List.of(more));
        return cli(args.toArray(String[]::new));
    }

    private EndToEndTest.CliRun verifyExport(Path file) {
        return cli("log", "verify-export", file.toString(), "--controller-key", pinned.toString());
    }

    /**
     * The state as {@code duet state --out} saves it (duet.saved-state/v1), written compactly: the
     * signed summary as served, and the CVM's history as its entries route pages it.
     */
    static String savedState(TestOwner http, String cvm) throws Exception {
        ObjectNode saved = TestOwner.JSON.createObjectNode().put("format", dev.duet.protocol.CvmState.SAVED_FORMAT);
        saved.set("state", TestOwner.JSON.readTree(http.get("/v1/cvms/" + cvm).raw()));
        http.get("/v1/cvms/" + cvm + "/entries").body().path("entries").forEach(saved.putArray("entries")::add);
        return TestOwner.JSON.writeValueAsString(saved);
    }

    private String forgedState() throws Exception {
        ObjectNode forged = (ObjectNode) TestOwner.JSON.readTree(state).get("state").get("payload").deepCopy();
        ((ObjectNode) forged.get("cvm")).put("mode", "in-service");
        return TestOwner.JSON.writeValueAsString(forged);
    }

    /** Item 2: duplicate member names and bytes after the document were accepted (the last member won) and verified TRUSTED / INTACT. */
    @Test
    void duplicateMembersAndTrailingBytesAreNotWhatTheControllerSigned() throws Exception {
        EndToEndTest.CliRun honest = verifyState(file("state.json", state), "--controller-key", pinned.toString());
        assertThat(honest.exit()).as(honest.out() + honest.err()).isZero();
        assertThat(verifyExport(file("export.json", export)).exit()).isZero();

        Map<String, String> states = new LinkedHashMap<>();
        states.put("a forged payload before the signed one", "{\"payload\":" + forgedState() + "," + state.substring(1));
        states.put("a second mode inside cvm", insertAfter(state, "\"cvm\":{", "\"mode\":\"in-service\","));
        states.put("a second document after it", state + "\n{\"payload\":" + forgedState() + "}");
        states.put("garbage after it", state + "GARBAGE");
        for (Map.Entry<String, String> crafted : states.entrySet()) {
            EndToEndTest.CliRun r = verifyState(file("state-crafted.json", crafted.getValue()), "--controller-key", pinned.toString());
            assertThat(r.exit()).as(crafted.getKey() + ": " + r.out() + r.err()).isEqualTo(1);
            assertThat(r.out()).as(crafted.getKey()).contains("FAIL document").endsWith("NOT TRUSTED\n");
        }
        EndToEndTest.CliRun json = cli("verify-state", "--json", "--file", file("state-crafted.json", states.get("a second mode inside cvm")).toString(),
                "--controller-key", pinned.toString());
        JsonNode verdict = TestOwner.JSON.readTree(json.out());
        assertThat(verdict.path("trusted").asBoolean(true)).isFalse();
        assertThat(verdict.path("checks").get(0).path("detail").asText()).contains("duplicate member name 'mode'");

        Map<String, String> exports = new LinkedHashMap<>();
        exports.put("a fake checkpoint before the signed one", "{\"checkpoint\":\"duet.controller/fake\\n174\\nAAAA\\n\"," + export.substring(1));
        exports.put("a second kind in entry 5", insertAfter(export, "{\"seq\":5,", "\"kind\":\"fake\","));
        exports.put("garbage after it", export + "GARBAGE");
        for (Map.Entry<String, String> crafted : exports.entrySet()) {
            EndToEndTest.CliRun r = verifyExport(file("export-crafted.json", crafted.getValue()));
            assertThat(r.exit()).as(crafted.getKey() + ": " + r.out() + r.err()).isEqualTo(1);
            assertThat(r.out()).as(crafted.getKey()).startsWith("TAMPERED");
        }

        Path stateFile = file("state.json", state);
        assertThat(verifyState(stateFile, "--evidence", file("evidence.json", evidence).toString(), "--allow-no-tee").exit()).isZero();
        Map<String, String> evidences = Map.of(
                "a second tee", insertAfter(evidence, "\"payload\":{", "\"tee\":\"sev-snp\","),
                "garbage after it", evidence + "GARBAGE");
        for (Map.Entry<String, String> crafted : evidences.entrySet()) {
            Path evidenceFile = file("evidence-crafted.json", crafted.getValue());
            EndToEndTest.CliRun r = verifyState(stateFile, "--evidence", evidenceFile.toString(), "--allow-no-tee");
            assertThat(r.exit()).as(crafted.getKey() + ": " + r.out() + r.err()).isEqualTo(1);
            assertThat(r.err()).as(crafted.getKey()).startsWith("duet: controller evidence").contains("is not a document the controller signed");
        }
    }

    /** {@code document} as JSON with {@code edit} applied to its tree. */
    private static String edited(String document, java.util.function.Consumer<ObjectNode> edit) throws Exception {
        ObjectNode tree = (ObjectNode) TestOwner.JSON.readTree(document);
        edit.accept(tree);
        return TestOwner.JSON.writeValueAsString(tree);
    }

    /**
     * Members nobody signed (beside the payload, or inside the signature) rode along in a saved state
     * or evidence, and the state verified TRUSTED: the signature covers the payload only.
     */
    @Test
    void membersNobodySignedMakeAStateOrEvidenceMalformed() throws Exception {
        Map<String, String> states = new LinkedHashMap<>();
        states.put("'mode'", edited(state, d -> ((ObjectNode) d.get("state")).put("mode", "in-update")));
        states.put("'cvm'", edited(state, d -> ((ObjectNode) d.get("state")).putObject("cvm").put("mode", "in-update")));
        states.put("'note'", edited(state, d -> ((ObjectNode) d.get("state").get("signature")).put("note", "checked by the provider")));
        states.put("'payload'", edited(state, d -> d.set("payload", d.get("state").get("payload"))));
        for (Map.Entry<String, String> crafted : states.entrySet()) {
            EndToEndTest.CliRun r = verifyState(file("state-extra.json", crafted.getValue()), "--controller-key", pinned.toString());
            assertThat(r.exit()).as(crafted.getKey() + ": " + r.out() + r.err()).isEqualTo(1);
            assertThat(r.out()).as(crafted.getKey()).contains("FAIL document: ").contains(crafted.getKey()).endsWith("NOT TRUSTED\n");
        }

        Path stateFile = file("state.json", state);
        Map<String, String> evidences = new LinkedHashMap<>();
        evidences.put("'tee'", edited(evidence, d -> d.put("tee", "sev-snp").put("attested", true)));
        evidences.put("'mode'", edited(evidence, d -> ((ObjectNode) d.get("signature")).put("mode", "hardware")));
        for (Map.Entry<String, String> crafted : evidences.entrySet()) {
            Path evidenceFile = file("evidence-extra.json", crafted.getValue());
            EndToEndTest.CliRun s = verifyState(stateFile, "--evidence", evidenceFile.toString(), "--allow-no-tee");
            EndToEndTest.CliRun e = cli("log", "verify-export", file("export.json", export).toString(), "--evidence", evidenceFile.toString(),
                    "--allow-no-tee");
            for (EndToEndTest.CliRun r : List.of(s, e)) {
                assertThat(r.exit()).as(crafted.getKey() + ": " + r.out() + r.err()).isEqualTo(1);
                assertThat(r.err()).as(crafted.getKey()).startsWith("duet: controller evidence").contains(crafted.getKey()).hasLineCount(1);
                assertThat(r.out()).doesNotContain("TRUSTED").doesNotContain("INTACT");
            }
        }
    }

    /** Item 20: a truncated export exited 1 ("tampered"), a truncated state 2. */
    @Test
    void malformedFilesGetTheSameExitCodeWhateverTheirKind() throws Exception {
        EndToEndTest.CliRun cutState = verifyState(file("state-cut.json", state.substring(0, state.length() / 2)), "--controller-key",
                pinned.toString());
        EndToEndTest.CliRun cutExport = verifyExport(file("export-cut.json", export.substring(0, export.length() / 2)));
        EndToEndTest.CliRun cutEvidence = verifyState(file("state.json", state), "--evidence",
                file("evidence-cut.json", evidence.substring(0, evidence.length() / 2)).toString(), "--allow-no-tee");
        for (EndToEndTest.CliRun r : List.of(cutState, cutExport, cutEvidence)) {
            assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
        }
        assertThat(cutState.out()).contains("FAIL document").endsWith("NOT TRUSTED\n");
        assertThat(cutExport.out()).startsWith("TAMPERED");
        for (EndToEndTest.CliRun r : List.of(cutState, cutExport, cutEvidence)) {
            assertThat(r.out() + r.err()).doesNotContain("com.fasterxml").doesNotContain("Exception");
        }
    }

    /**
     * Item 13: entries the controller never writes (nested deeper than the format allows, a string or
     * a number beyond its limits) in a signed export or state were "could not verify" (exit 2).
     */
    @Test
    void entriesBeyondTheFormatsLimitsAreTampered() throws Exception {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("nested 1,001 deep", "[".repeat(1001) + "]".repeat(1001));
        values.put("a string of 20,000,001 characters", "\"" + "A".repeat(20_000_001) + "\"");
        values.put("a number of 1,001 digits", "1".repeat(1001));
        for (Map.Entry<String, String> value : values.entrySet()) {
            String member = "\"beyond\":" + value.getValue() + ",";
            EndToEndTest.CliRun e = verifyExport(file("export-beyond.json", insertAfter(export, "{\"seq\":5,", member)));
            assertThat(e.exit()).as(value.getKey() + ": " + e.out() + e.err()).isEqualTo(1);
            assertThat(e.out()).as(value.getKey()).startsWith("TAMPERED").doesNotContain("StreamReadConstraints");
            String inState = insertAfter(state, "\"entries\":[{", member);
            EndToEndTest.CliRun s = verifyState(file("state-beyond.json", inState), "--controller-key", pinned.toString());
            assertThat(s.exit()).as(value.getKey() + ": " + s.out() + s.err()).isEqualTo(1);
            assertThat(s.out()).as(value.getKey()).contains("FAIL document").doesNotContain("StreamReadConstraints").endsWith("NOT TRUSTED\n");
        }
    }

    /** Item 11: --evidence was ignored without a word when --controller-key was also given (even --evidence /dev/zero verified). */
    @Test
    void aPinnedKeyAndEvidenceTogetherAreAUsageError() throws Exception {
        Path stateFile = file("state.json", state);
        Path exportFile = file("export.json", export);
        Path evidenceFile = file("evidence.json", evidence);
        for (String ignored : List.of("/dev/zero", evidenceFile.toString())) {
            EndToEndTest.CliRun s = verifyState(stateFile, "--controller-key", pinned.toString(), "--evidence", ignored);
            EndToEndTest.CliRun e = cli("log", "verify-export", exportFile.toString(), "--controller-key", pinned.toString(), "--evidence", ignored);
            for (EndToEndTest.CliRun r : List.of(s, e)) {
                assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(2);
                assertThat(r.err()).startsWith("duet: give one of --controller-key or --evidence");
                assertThat(r.out()).doesNotContain("TRUSTED").doesNotContain("INTACT");
            }
        }
        EndToEndTest.CliRun both = verifyState(stateFile, "--controller-key", pinned.toString(), "--allow-no-tee");
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).startsWith("duet: --allow-no-tee");
    }
}
