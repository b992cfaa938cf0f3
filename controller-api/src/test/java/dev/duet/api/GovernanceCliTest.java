package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.provisioner.testing.OpenSshServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code duet mode}, {@code duet approvals}, {@code duet approve} and {@code duet owner-keys
 * add|remove|threshold} against a real controller with two owners of whom both must sign, and
 * Debian's real sshd: what waits says how to approve it, the second owner's approval carries it
 * out, and refusals are one line.
 */
class GovernanceCliTest {
    private static final Pattern REQUEST = Pattern.compile("duet approve (apr-[0-9a-f]{16})");

    @TempDir Path dir;

    private Path key(String name) throws Exception {
        Path file = dir.resolve(name);
        assertThat(EndToEndTest.cli("keygen", "--out", file.toString()).exit()).isZero();
        return file;
    }

    private static String requestOf(EndToEndTest.CliRun run) {
        Matcher m = REQUEST.matcher(run.out());
        assertThat(m.find()).as(run.out() + run.err()).isTrue();
        return m.group(1);
    }

    @Test
    void aSecondOwnerApprovesWhatTheFirstAskedFromTheCommandLine() throws Exception {
        Path a = key("a.key");
        Path b = key("b.key");
        Path c = key("c.key");
        Ed25519KeyPair keyA = Ed25519KeyPair.parsePem(Files.readString(a));
        Ed25519KeyPair keyB = Ed25519KeyPair.parsePem(Files.readString(b));
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                RunningController running = RunningController.start(dir.resolve("data"), List.of(keyA.publicKey(), keyB.publicKey()),
                        config -> config.withGovernance(OptionalInt.of(2), Duration.ofMinutes(5)))) {
            String url = running.url();
            EndToEndTest.CliRun adopted = EndToEndTest.adopt(url, a, "web", sshd);
            assertThat(adopted.exit()).as(adopted.err()).isZero();
            String cvm = adopted.out().split(" ")[0];
            assertThat(EndToEndTest.cli("mode", "--controller", url, "--key", a.toString(), cvm, "in-service").exit()).isZero();

            EndToEndTest.CliRun asked = EndToEndTest.cli("mode", "--controller", url, "--key", a.toString(), cvm, "in-update");
            assertThat(asked.exit()).as(asked.err()).isZero();
            assertThat(asked.out()).contains("pending: PUT /v1/cvms/" + cvm + "/mode", "1 of 2 approvals");
            String request = requestOf(asked);
            assertThat(EndToEndTest.cli("approvals", "list", "--controller", url).out()).contains(request + " pending");
            EndToEndTest.CliRun shown = EndToEndTest.cli("approvals", "show", "--controller", url, request);
            assertThat(shown.out()).as("the approver sees the body signed, checked against body_sha256").startsWith(request + " pending")
                    .contains("body (SHA-256 ", "\"mode\" : \"in-update\"");

            EndToEndTest.CliRun twice = EndToEndTest.cli("approve", "--controller", url, "--key", a.toString(), request);
            assertThat(twice.exit()).isNotZero();
            assertThat(twice.err()).startsWith("duet: controller refused (409 already-approved)").doesNotContain("Exception");
            EndToEndTest.CliRun approved = EndToEndTest.cli("approve", "--controller", url, "--key", b.toString(), request);
            assertThat(approved.exit()).as(approved.err()).isZero();
            assertThat(approved.out()).startsWith("approving " + request + " pending").contains("\"mode\" : \"in-update\"")
                    .contains(request + " carried-out", "2 of 2 approvals").contains("carried out (log entry ");
            assertThat(EndToEndTest.cli("state", "--controller", url, "--json", cvm).out()).contains("in-update");
            Path policy = Files.writeString(dir.resolve("policy.json"),
                    "{\"rules\":[],\"max_upload_bytes\":1024,\"log_content_below_bytes\":0,\"on_leaving_service\":[]}");
            EndToEndTest.CliRun policyAsked = EndToEndTest.cli("policy", "set", "--controller", url, "--key", a.toString(), cvm, policy.toString());
            assertThat(policyAsked.exit()).as(policyAsked.err()).isZero();
            assertThat(policyAsked.out()).contains("pending: PUT /v1/cvms/" + cvm + "/policy", "1 of 2 approvals");

            String added = requestOf(EndToEndTest.cli("owner-keys", "add", "--controller", url, "--key", a.toString(), c + ".pub"));
            assertThat(EndToEndTest.cli("approve", "--controller", url, "--key", b.toString(), added).out()).contains("carried out");
            String lowered = requestOf(EndToEndTest.cli("owner-keys", "threshold", "--controller", url, "--key", a.toString(), "1"));
            assertThat(EndToEndTest.cli("approve", "--controller", url, "--key", c.toString(), lowered).exit()).isZero();
            EndToEndTest.CliRun removed = EndToEndTest.cli("owner-keys", "remove", "--controller", url, "--key", c.toString(),
                    keyB.publicKey().keyId());
            assertThat(removed.exit()).as(removed.err()).isZero();
            assertThat(removed.out()).startsWith("owner keys now " + keyA.publicKey().keyId() + ", ").contains("; 1 needed (log entry ");
            EndToEndTest.CliRun refused = EndToEndTest.cli("owner-keys", "threshold", "--controller", url, "--key", a.toString(), "3");
            assertThat(refused.exit()).isNotZero();
            assertThat(refused.err()).startsWith("duet: controller refused (400 invalid-request): the threshold must be 1 to 2");
            EndToEndTest.CliRun bad = EndToEndTest.cli("approve", "--controller", url, "--key", a.toString(), "nope");
            assertThat(bad.exit()).isEqualTo(2);
            assertThat(bad.err()).contains("'nope' is not a request id");
        }
    }
}
