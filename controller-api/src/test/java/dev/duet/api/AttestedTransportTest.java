package dev.duet.api;

import static dev.duet.api.EndToEndTest.cli;
import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.attestation.ControllerEvidenceVerifier;
import dev.duet.attestation.Octets;
import dev.duet.controller.Controller;
import dev.duet.controller.ControllerConfig;
import dev.duet.controller.SelfAttestation;
import dev.duet.controller.sealing.FileSealer;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.provisioner.attest.SimulatedSnp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attested transport (issue 11 item 3) over real sockets on loopback: the controller serves HTTPS
 * with a TLS key its evidence binds; the CLI pins that key after verifying the evidence, and sends
 * nothing to a connection that presents another key: a relay in the middle (which sees every byte
 * in clear), or a controller that swaps its key after the pin was made. Plain HTTP is refused off
 * loopback, by the CLI and by {@code serve}.
 */
class AttestedTransportTest {
    private static final String UNKNOWN_CVM = "cvm-0000000000000000";

    @TempDir Path dir;

    @Test
    void theCliOverHttpsToASimulatedSnpControllerWorksEndToEnd() throws Exception {
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        Path ownerKey = dir.resolve("owner.key");
        Files.writeString(ownerKey, owner.toPem());
        Files.writeString(dir.resolve("owner.key.pub"), owner.publicKey().toPem());
        ChildController controller = ChildController.start(dir, dir.resolve("data"), dir.resolve("owner.key.pub"), "--qemu", "off",
                "--attestation", "simulated-snp", "--tls");
        try {
            String url = "https://127.0.0.1:" + controller.port();
            String ark = printed(controller.startup(), "simulated ARK SHA-256 ");
            String pin = printed(controller.startup(), "TLS key SHA-256 ");

            EndToEndTest.CliRun evidence = cli("evidence", "--trust-simulated-root", ark, "--controller", url);
            assertThat(evidence.exit()).as(evidence.out() + evidence.err()).isZero();
            assertThat(evidence.out()).contains("attested (SIMULATED)");
            assertThat(evidence.err()).contains("SIMULATED: TLS key " + pin + " pinned");

            EndToEndTest.CliRun owners = cli("owners", "--trust-simulated-root", ark, "--controller", url, "--key",
                    dir.resolve("owner.key.pub").toString(), "--state-dir", dir.resolve("state").toString());
            assertThat(owners.exit()).as(owners.out() + owners.err()).isZero();
            assertThat(owners.out()).contains("is registered");

            // A signed owner request reaches the controller over the pinned connection and is judged there.
            EndToEndTest.CliRun run = cli("run", "--trust-simulated-root", ark, "--controller", url, "--key", ownerKey.toString(),
                    UNKNOWN_CVM, "true");
            assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(254);
            assertThat(run.err()).contains("controller refused (404 unknown-cvm)");

            EndToEndTest.CliRun pinned = cli("list", "--tls-pin", pin, "--controller", url);
            assertThat(pinned.exit()).as(pinned.out() + pinned.err()).isZero();
            assertThat(pinned.err()).isEmpty();

            EndToEndTest.CliRun untrusted = cli("list", "--controller", url);
            assertThat(untrusted.exit()).as(untrusted.out() + untrusted.err()).isEqualTo(1);
            assertThat(untrusted.err()).startsWith("duet: the TLS key of " + url + " is not attested, so nothing is sent: "
                    + ControllerEvidenceVerifier.SIMULATED_CHECK);
        } finally {
            controller.kill();
        }
    }

    @Test
    void aRelayPresentingAnotherKeyIsRefusedBeforeAnyRequestIsSent() throws Exception {
        try (Attested controller = Attested.start(dir); Relay relay = Relay.start(controller.port(), connection -> false)) {
            String url = "https://127.0.0.1:" + relay.port();
            EndToEndTest.CliRun run = cli("run", "--trust-simulated-root", controller.ark(), "--controller", url, "--key",
                    controller.ownerKey().toString(), UNKNOWN_CVM, "true");
            assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(255);
            assertThat(run.err()).startsWith("duet: the controller at " + url + " presented TLS key SHA-256 " + relay.keySha256()
                    + ", but its evidence binds TLS key " + controller.pin() + ": a party in the middle");
            assertThat(relay.seen()).as("the relay saw only the evidence request, never the owner's")
                    .startsWith("GET /v1/controller/evidence?nonce=").doesNotContain("POST").doesNotContain("Signature");
            assertThat(relay.requests()).isEqualTo(1);

            EndToEndTest.CliRun pinned = cli("run", "--tls-pin", controller.pin(), "--controller", url, "--key",
                    controller.ownerKey().toString(), UNKNOWN_CVM, "true");
            assertThat(pinned.exit()).as(pinned.out() + pinned.err()).isEqualTo(255);
            assertThat(pinned.err()).contains("presented TLS key SHA-256 " + relay.keySha256() + ", not the pinned key " + controller.pin())
                    .contains("nothing was sent");
            assertThat(relay.requests()).as("the pinned handshake failed before any byte of a request").isEqualTo(1);
        }
    }

    @Test
    void aControllerThatSwapsItsKeyAfterPinningIsRefused() throws Exception {
        try (Attested controller = Attested.start(dir); Relay swapping = Relay.start(controller.port(), connection -> connection == 0)) {
            String url = "https://127.0.0.1:" + swapping.port();
            EndToEndTest.CliRun run = cli("run", "--trust-simulated-root", controller.ark(), "--controller", url, "--key",
                    controller.ownerKey().toString(), UNKNOWN_CVM, "true");
            assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(255);
            assertThat(run.err()).contains("its connection presented TLS key SHA-256 " + swapping.keySha256() + ", not the pinned key "
                    + controller.pin()).contains("nothing was sent");
            assertThat(swapping.connections()).as("one passed through to pin, one presented the other key").isGreaterThanOrEqualTo(2);
            assertThat(swapping.seen()).as("nothing decrypted on the swapped connection").isEmpty();
        }
    }

    @Test
    void plainHttpIsForLoopbackOnly() throws Exception {
        EndToEndTest.CliRun cli = cli("list", "--controller", "http://192.0.2.1:8080");
        assertThat(cli.exit()).isEqualTo(2);
        assertThat(cli.err()).isEqualTo("duet: refusing plain HTTP to http://192.0.2.1:8080, which is not this machine: anyone on the path "
                + "could read and relay every request; use https://, which pins the controller's attested TLS key\n");

        Process serve = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), ControllerMain.class.getName(), "serve", "--data-dir", dir.resolve("data").toString(),
                "--qemu", "off", "--listen", "0.0.0.0", "--port", "0", "--no-tls").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(serve.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(serve.exitValue()).isEqualTo(2);
        assertThat(new String(serve.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("duet-controller: refusing "
                + "--no-tls on --listen 0.0.0.0, which is not a loopback address: plain HTTP would let anyone on the path read and relay "
                + "every request (drop --no-tls; HTTPS is the default there)\n");
        assertThat(dir.resolve("data")).as("refused before anything started").doesNotExist();
    }

    private static String printed(List<String> startup, String label) {
        return startup.stream().filter(l -> l.contains(label)).findFirst().orElseThrow()
                .replaceFirst(".*" + label, "").substring(0, 64);
    }

    /** An HTTPS controller with simulated SNP attestation in this JVM, and the owner key its CLI uses. */
    private record Attested(Controller controller, ControllerServer server, String ark, Path ownerKey) implements AutoCloseable {
        static Attested start(Path dir) throws Exception {
            Ed25519KeyPair owner = Ed25519KeyPair.generate();
            Path ownerKey = dir.resolve("owner.key");
            Files.writeString(ownerKey, owner.toPem());
            SimulatedSnp chip = SimulatedSnp.open(dir.resolve("chip"));
            Controller controller = Controller.open(ControllerConfig.defaults(dir.resolve("data"), List.of(owner.publicKey())),
                    d -> FileSealer.openOrCreate(d.sealingKey()), Optional.empty(), SelfAttestation.simulatedSnp(chip));
            ControllerServer server = ControllerServer.start(controller, "127.0.0.1", 0, ControllerServer.Transport.HTTPS);
            return new Attested(controller, server, ControllerEvidenceVerifier.fingerprint(Octets.copyOf(chip.arkDer())).hex(), ownerKey);
        }

        int port() {
            return server.port();
        }

        String pin() {
            return controller.tls().sha256().hex();
        }

        @Override
        public void close() throws IOException {
            server.close();
            controller.close();
        }
    }

    /** Which accepted connections (counted from 0) a relay passes through untouched, TLS and all, instead of terminating them. */
    @FunctionalInterface
    interface PassThrough {
        boolean test(int connection);
    }

    /**
     * A party in the middle on loopback. A connection it passes through reaches the controller as
     * it is (the client sees the controller's own key); one it terminates, it answers with TLS under
     * its own key, reads the client's bytes in clear (recorded in {@link #seen}) and relays them to
     * the controller over a TLS connection of its own.
     */
    static final class Relay implements AutoCloseable {
        private final ServerSocket plain;
        private final SSLContext own;
        private final SSLContext upstreamTls;
        private final KeyPair key;
        private final int target;
        private final PassThrough passThrough;
        private final ByteArrayOutputStream seen = new ByteArrayOutputStream();
        private final AtomicInteger connections = new AtomicInteger();
        private final Thread acceptor;

        private Relay(int target, PassThrough passThrough) throws Exception {
            this.target = target;
            this.passThrough = passThrough;
            this.key = KeyPairGenerator.getInstance("EC").generateKeyPair();
            this.own = serverContext(key);
            this.upstreamTls = trustingAnyKey();
            this.plain = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            this.acceptor = new Thread(this::accept, "relay");
            acceptor.setDaemon(true);
        }

        static Relay start(int target, PassThrough passThrough) throws Exception {
            Relay relay = new Relay(target, passThrough);
            relay.acceptor.start();
            return relay;
        }

        int port() {
            return plain.getLocalPort();
        }

        String keySha256() {
            return ControllerEvidenceVerifier.fingerprint(Octets.copyOf(key.getPublic().getEncoded())).hex();
        }

        String seen() {
            synchronized (seen) {
                return seen.toString(StandardCharsets.UTF_8);
            }
        }

        int requests() {
            return seen().split("HTTP/1.1\r\n", -1).length - 1;
        }

        int connections() {
            return connections.get();
        }

        private void accept() {
            while (!plain.isClosed()) {
                try {
                    Socket client = plain.accept();
                    int n = connections.getAndIncrement();
                    Socket upstream;
                    Socket downstream;
                    if (passThrough.test(n)) {
                        upstream = new Socket(InetAddress.getLoopbackAddress(), target);
                        downstream = client;
                    } else {
                        downstream = ((javax.net.ssl.SSLSocketFactory) own.getSocketFactory()).createSocket(client, null, client.getPort(), true);
                        ((javax.net.ssl.SSLSocket) downstream).setUseClientMode(false);
                        upstream = upstreamTls.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), target);
                    }
                    pump(downstream.getInputStream(), upstream.getOutputStream(), !passThrough.test(n), downstream, upstream);
                    pump(upstream.getInputStream(), downstream.getOutputStream(), false, downstream, upstream);
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void pump(InputStream from, OutputStream to, boolean record, Socket a, Socket b) {
            Thread t = new Thread(() -> {
                byte[] buffer = new byte[8192];
                try {
                    for (int n = from.read(buffer); n >= 0; n = from.read(buffer)) {
                        if (record) {
                            synchronized (seen) {
                                seen.write(buffer, 0, n);
                            }
                        }
                        to.write(buffer, 0, n);
                        to.flush();
                    }
                } catch (IOException e) {
                    // One side went away: the relay closes both.
                } finally {
                    close(a);
                    close(b);
                }
            }, "relay-pump");
            t.setDaemon(true);
            t.start();
        }

        private static void close(Socket socket) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // Already closed.
            }
        }

        @Override
        public void close() throws IOException {
            plain.close();
        }

        private static SSLContext serverContext(KeyPair key) throws Exception {
            X500Name name = new X500Name("CN=duet controller");
            Instant now = Instant.now();
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name,
                    BigInteger.ONE, Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(1))), name, key.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, new char[0]);
            store.setKeyEntry("relay", key.getPrivate(), new char[0], new Certificate[] {certificate});
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, new char[0]);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, new SecureRandom());
            return context;
        }

        private static SSLContext trustingAnyKey() throws Exception {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {}

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {}

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, new SecureRandom());
            return context;
        }
    }
}
