package dev.duet.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.duet.log.EntryCodec;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.entry.Payload;
import dev.duet.protocol.entry.PayloadCodec;
import dev.duet.provisioner.testing.OpenSshServer;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a command may be (its argv, and its timeout as written, 60 s when absent) is judged by the
 * core, before the CVM is even looked up: the API hands over the body's values as they came.
 */
class CommandRulesTest {
    private static final String WHOLE_MS = "timeout_seconds must be a whole number of milliseconds (at most three decimal places),"
            + " so that the log records exactly what was signed";
    private static final String RANGE = "timeout must be between 1 s and 3600 s";

    @TempDir Path dir;

    private static CommandRequest command(List<String> argv, String timeoutSeconds) {
        return new CommandRequest(argv, Optional.of(new BigDecimal(timeoutSeconds)));
    }

    @Test
    void aCommandOutsideTheLimitsIsRefusedBeforeTheCvmIsLookedUpAndNothingIsLogged() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        OwnerId owner = new OwnerId(key.publicKey().keyId());
        String nowhere = "cvm-0000000000000000";
        Map<CommandRequest, String> refused = new LinkedHashMap<>();
        refused.put(command(List.of("true"), "1e10"), "timeout_seconds is out of range");
        refused.put(command(List.of("true"), "-1e10"), "timeout_seconds is out of range");
        refused.put(command(List.of("true"), "0.0005"), WHOLE_MS);
        refused.put(command(List.of("true"), "5.0001"), WHOLE_MS);
        refused.put(command(List.of("true"), "0.999"), RANGE);
        refused.put(command(List.of("true"), "-1"), RANGE);
        refused.put(command(List.of("true"), "3600.001"), RANGE);
        refused.put(new CommandRequest(List.of(), Optional.empty()), "argv must hold 1 to 256 arguments");
        refused.put(new CommandRequest(Collections.nCopies(257, "x"), Optional.empty()), "argv must hold 1 to 256 arguments");
        refused.put(new CommandRequest(List.of("a\0b"), Optional.empty()), "arguments must be strings without NUL bytes");
        List<String> nulls = new ArrayList<>();
        nulls.add(null);
        refused.put(new CommandRequest(nulls, Optional.empty()), "arguments must be strings without NUL bytes");
        try (Controller c = Controller.open(ControllerConfig.defaults(dir.resolve("data"), List.of(key.publicKey())))) {
            refused.forEach((request, message) -> assertThatThrownBy(() -> c.runCommand(owner, SignedRequests.commandLine(nowhere), nowhere, request))
                    .as(request.toString()).isInstanceOfSatisfying(ControllerException.class, e -> {
                        assertThat(e.kind()).isEqualTo(ControllerException.Kind.INVALID_REQUEST);
                        assertThat(e.getMessage()).isEqualTo(message);
                    }));
            assertThatThrownBy(() -> c.runCommand(owner, SignedRequests.commandLine(nowhere), nowhere,
                    new CommandRequest(List.of("x".repeat(9000)), Optional.empty())))
                    .isInstanceOfSatisfying(ControllerException.class, e -> assertThat(e.getMessage()).startsWith("argv cannot be sent: "));
            assertThatThrownBy(() -> c.runCommand(owner, SignedRequests.commandLine(nowhere), nowhere, command(List.of("true"), "3600")))
                    .isInstanceOfSatisfying(ControllerException.class, e -> assertThat(e.kind()).isEqualTo(ControllerException.Kind.UNKNOWN_CVM));
            assertThat(c.logEntries(0, Optional.empty()).path("size").asLong()).as("only the owners' registration").isEqualTo(1);
        }
    }

    @Test
    void theTimeoutIsSixtySecondsWhenAbsentAndRecordedExactlyAsSentOtherwise() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        OwnerId owner = new OwnerId(key.publicKey().keyId());
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"));
                Controller c = Controller.open(ControllerConfig.defaults(dir.resolve("data"), List.of(key.publicKey())))) {
            CvmView view = c.create(owner, new CreateRequest("ssh", "t", Optional.of(new CreateRequest.Ssh("127.0.0.1", Optional.of(sshd.port()),
                    OpenSshServer.user(), sshd.hostPublicKey(), sshd.bootstrapPrivateKey(), Optional.of(sshd.authorizedKeys().toString())))));
            c.awaitProvisioning(Duration.ofSeconds(30));
            c.runCommand(owner, SignedRequests.commandLine(view.id()), view.id(), new CommandRequest(List.of("true"), Optional.empty()));
            c.runCommand(owner, SignedRequests.commandLine(view.id()), view.id(), command(List.of("true"), "1.250"));
            List<Duration> recorded = new ArrayList<>();
            for (JsonNode entry : c.logEntries(0, Optional.empty()).path("entries")) {
                if (PayloadCodec.decode(EntryCodec.fromJson(entry)) instanceof Payload.CommandStarted started) {
                    recorded.add(started.timeout());
                }
            }
            assertThat(recorded).containsExactly(Duration.ofSeconds(60), Duration.ofMillis(1250));
        }
    }
}
