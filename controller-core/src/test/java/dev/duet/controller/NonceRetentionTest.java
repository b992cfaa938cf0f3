package dev.duet.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.duet.controller.ControllerException.Kind;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.protocol.OwnerRequestSignature;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Owners' nonces are kept as long as a request carrying one could still be accepted, and no longer:
 * a replay inside the signature window is refused as a replay, one after it as outside the window,
 * and the table holds only the nonces of the last two windows. Each request's pruning finds the old
 * nonces through an index on their age, so its cost does not grow with the number of nonces kept.
 */
class NonceRetentionTest {
    private static final Duration WINDOW = Duration.ofMinutes(5);
    private static final byte[] BODY = "{}".getBytes(StandardCharsets.UTF_8);

    @TempDir Path dir;

    private final UnauthenticatedRefusalsTest.TestClock clock = new UnauthenticatedRefusalsTest.TestClock();
    private final Ed25519KeyPair owner = Ed25519KeyPair.generate();

    @Test
    void nonceKeptWhileItsRequestCouldBeReplayedThenPrunedByAge() throws Exception {
        ControllerConfig defaults = ControllerConfig.defaults(dir.resolve("data"), List.of(owner.publicKey()));
        ControllerConfig config = new ControllerConfig(defaults.dataDirectory(), defaults.ownerKeys(), clock, WINDOW,
                defaults.sshConnectTimeout(), defaults.outputCapBytes(), defaults.maxCommandTimeout(), defaults.limits(),
                defaults.ownerThreshold(), defaults.approvalExpiry());
        try (Controller controller = Controller.open(config)) {
            long t0 = clock.instant().getEpochSecond();
            List<OwnerRequest> early = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                early.add(signedAt(controller, t0));
                admit(controller, early.get(i));
            }
            assertThat(nonces()).isEqualTo(3);

            // One window on, a request signed now and one signed a window ahead (the most a clock may lead) are admitted;
            // their pruning must keep the early nonces, whose requests are still inside the window.
            clock.advance(WINDOW);
            admit(controller, signedAt(controller, t0 + WINDOW.toSeconds()));
            OwnerRequest ahead = signedAt(controller, t0 + 2 * WINDOW.toSeconds());
            admit(controller, ahead);
            assertThat(nonces()).as("nothing is old enough to go yet").isEqualTo(5);
            assertRefused(controller, early.get(0), Kind.REPLAYED, "already used");

            // Past twice the window, the next request's pruning removes the early nonces: their requests are now refused by age.
            clock.advance(WINDOW.plusSeconds(1));
            admit(controller, signedAt(controller, clock.instant().getEpochSecond()));
            assertThat(nonces()).as("only the early requests' nonces went").isEqualTo(3);
            assertRefused(controller, early.get(1), Kind.UNAUTHENTICATED, "outside the accepted window");

            // The request signed ahead is still inside its window three windows on, and still a replay.
            clock.advance(WINDOW.minusSeconds(1));
            admit(controller, signedAt(controller, clock.instant().getEpochSecond()));
            assertRefused(controller, ahead, Kind.REPLAYED, "already used");

            assertThat(pruningPlan()).as("the pruning searches by age, it does not read every nonce").contains("nonces_by_created");
        }
    }

    private static void assertRefused(Controller controller, OwnerRequest request, Kind kind, String why) {
        assertThatThrownBy(() -> admit(controller, request)).isInstanceOfSatisfying(ControllerException.class, e -> {
            assertThat(e.kind()).isEqualTo(kind);
            assertThat(e.getMessage()).contains(why);
        });
    }

    private OwnerRequest signedAt(Controller controller, long created) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        OwnerRequestSignature.sign(owner, controller.signingKey().keyId(), "PUT", "/v1/cvms/none/mode", null, BODY,
                created).forEach((k, v) -> headers.put(k, List.of(v)));
        headers.put("Content-Type", List.of("application/json"));
        headers.put("Content-Length", List.of(String.valueOf(BODY.length)));
        return new OwnerRequest("PUT", "/v1/cvms/none/mode", null, "127.0.0.1", headers, OwnerRequest.Body.JSON, Optional.empty());
    }

    private static void admit(Controller controller, OwnerRequest request) throws ControllerException {
        controller.asOwner(request, SignedRequests.body(BODY), (id, body) -> id);
    }

    private long nonces() throws SQLException {
        try (Connection db = database(); ResultSet rows = db.createStatement().executeQuery("SELECT COUNT(*) FROM nonces")) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private String pruningPlan() throws SQLException {
        StringBuilder plan = new StringBuilder();
        try (Connection db = database();
                ResultSet rows = db.createStatement().executeQuery("EXPLAIN QUERY PLAN DELETE FROM nonces WHERE created < 0")) {
            while (rows.next()) {
                plan.append(rows.getString("detail")).append('\n');
            }
        }
        return plan.toString();
    }

    private Connection database() throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data").resolve("duet.db"));
    }
}
