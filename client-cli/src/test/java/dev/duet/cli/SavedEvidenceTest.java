package dev.duet.cli;

import static dev.duet.cli.CliInputTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The golden controller evidence ({@code controller-protocol}'s {@code golden/evidence-*}) given
 * offline with {@code --evidence}: a document that does not verify ends the verb with exit 1 and
 * the failed check's reason as its one line, before anything is verified with its key. Offline,
 * no nonce was asked for, so saved evidence is not refused for answering an earlier request.
 */
class SavedEvidenceTest {
    /** The key ids of the goldens' keys: the controller's, and the other controller's. */
    private static final String CONTROLLER = "e016f49e6c122528f7dfccc4e128620f9841acd0bb2be1de6a7ec7c67c19b7ea";
    private static final String ANOTHER = "8bec6734e8a0c5d07eed74f43cb7e9e17be32e581338512102f4991e08137cba";
    @TempDir Path dir;

    static Stream<Arguments> evidence() {
        return Stream.of(
                Arguments.of("evidence-honest-no-tee.json", 0, ""),
                Arguments.of("evidence-stale-nonce.json", 0, ""),
                Arguments.of("evidence-without-nonce.json", 0, ""),
                Arguments.of("evidence-tee-claimed-without-a-quote.json", 1,
                        "controller not attested: the evidence claims sev-snp but carries no report: nothing vouches for its signing key"),
                Arguments.of("evidence-simulated-snp-honest.json", 1, "controller not attested: controller.simulated-root: SIMULATED "
                        + "evidence: its root is a simulated one, trusted only when the user names the ARK fingerprint"),
                Arguments.of("evidence-simulated-snp-claimed-real.json", 1, "controller not attested: snp.chain"),
                Arguments.of("evidence-sev-snp-report-binding-other-data.json", 1, "controller not attested: policy.report-data"),
                Arguments.of("evidence-payload-edited-after-signing.json", 1, "evidence is not signed by the key it names: invalid signature"),
                Arguments.of("evidence-signed-by-another-key.json", 1, "evidence is not signed by the key it names: signed by key " + ANOTHER + ", expected " + CONTROLLER),
                Arguments.of("evidence-signing-key-unreadable.json", 1, "evidence signing key: "),
                Arguments.of("evidence-tee-unknown.json", 1, "unknown tee kind sev"),
                Arguments.of("evidence-that-is-a-cvm-state.json", 1, "not controller evidence (format duet.cvm-state/v1)"),
                Arguments.of("evidence-member-beside-payload.json", 1,
                        "controller evidence is not a document the controller signed: unexpected member 'tee' beside the payload"),
                Arguments.of("evidence-duplicate-tee-member.json", 1, "is not a document the controller signed: duplicate member name 'tee'"));
    }

    /** The SHA-256 of the golden simulated chip's ARK, as its controller printed it at start-up. */
    private static final String GOLDEN_SIMULATED_ARK = "1005cfa1444e1c66e596c597a11c40f0e53679f8bb73939c55885411bec63607";

    /** Simulated evidence names the key only for a user who trusts the simulated root, and every output then says SIMULATED. */
    @Test
    void simulatedEvidenceNamesTheKeyOnlyWithTheSimulatedRootTrusted() {
        Path export = Goldens.file(dir, "export-honest.json");
        Path evidence = Goldens.file(dir, "evidence-simulated-snp-honest.json");
        CliInputTest.Run refused = run("log", "verify-export", export.toString(), "--evidence", evidence.toString());
        CliInputTest.assertOneLineError(refused, 1, "the ARK fingerprint the controller printed at start-up");
        CliInputTest.Run another = run("log", "verify-export", export.toString(), "--evidence", evidence.toString(), "--trust-simulated-root",
                "ab".repeat(32));
        CliInputTest.assertOneLineError(another, 1, "controller.simulated-root: SIMULATED evidence under another root");
        CliInputTest.Run malformed = run("log", "verify-export", export.toString(), "--evidence", evidence.toString(), "--trust-simulated-root",
                "yes");
        CliInputTest.assertOneLineError(malformed, 2, "--trust-simulated-root takes 32 bytes in hex");
        CliInputTest.Run trusted = run("log", "verify-export", export.toString(), "--evidence", evidence.toString(), "--trust-simulated-root",
                GOLDEN_SIMULATED_ARK);
        assertThat(trusted.exit()).as(trusted.out() + trusted.err()).isZero();
        assertThat(trusted.out()).startsWith("SIMULATED: the controller key is attested only by duet's simulated SNP root")
                .contains("INTACT: all 6 entries");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("evidence")
    void onlyEvidenceThatVerifiesNamesTheKeyAnExportIsVerifiedWith(String golden, int exit, String failure) {
        Path export = Goldens.file(dir, "export-honest.json");
        CliInputTest.Run r = run("log", "verify-export", export.toString(), "--evidence", Goldens.file(dir, golden).toString(), "--allow-no-tee");
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(exit);
        if (exit == 0) {
            assertThat(r.out()).startsWith("INSECURE: controller key not attested (tee: none)").contains("INTACT: all 6 entries");
            assertThat(r.err()).isEmpty();
        } else {
            CliInputTest.assertOneLineError(r, 1, failure);
            assertThat(r.out()).doesNotContain("INTACT").doesNotContain("TAMPERED");
        }
    }
}
