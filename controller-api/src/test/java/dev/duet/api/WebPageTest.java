package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.duet.controller.Controller;
import dev.duet.controller.ControllerConfig;
import dev.duet.controller.HistoryFixture;
import dev.duet.controller.SelfAttestation;
import dev.duet.controller.sealing.FileSealer;
import dev.duet.protocol.Ed25519KeyPair;
import dev.duet.provisioner.attest.SimulatedSnp;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BinaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service users' page in a real browser: Debian's Chromium, headless, against a real controller
 * over loopback HTTP holding a CVM with a history (HistoryFixture). The page checks the CVM's signed
 * state with the browser's own WebCrypto; what it concluded is read back from the DOM Chromium
 * dumps. Tampering goes through a loopback proxy that rewrites the controller's answers, so the page
 * and its script are the controller's own and only the data lies. In CI ({@code CI} set, as
 * .ci/fresh-root does) Chromium must be there ({@code ./duet test} installs it); elsewhere, without
 * it, the tests are skipped, saying so.
 */
class WebPageTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Pattern CHECK = Pattern.compile("<li data-check=\"([a-z ]+)\" data-status=\"([a-z]+)\">([^<]*)</li>");

    @TempDir
    Path dir;

    @Test
    void theBrowserVerifiesTheStateSignatureAndTheLatestEntrysInclusion() throws Exception {
        String cvm = HistoryFixture.adoptedCvm(dir.resolve("data"), List.of(Ed25519KeyPair.generate().publicKey()), 30, true);
        try (RunningController running = RunningController.start(dir.resolve("data"), List.of())) {
            String dom = dumpDom(running.url() + "/");

            assertThat(dom).contains("<body data-loaded=\"true\">");
            assertThat(verdict(dom)).startsWith("passed\">Browser check PASSED");
            assertThat(checks(dom)).containsExactly("controller key=passed", "key pin=note", "state signature=passed", "checkpoint=passed",
                    "latest entry=passed", "inclusion=passed");
            // 30 commands: adoption (2 entries), 60 command entries, the switch to in-service: entry 63 is the last.
            assertThat(dom).contains("entry 63 is in the signed checkpoint of size 64");
            assertThat(dom).contains("<li data-cvm=\"" + cvm + "\" class=\"selected\">");
            assertThat(dom).contains("<span class=\"mode mode-in-service\" data-mode=\"in-service\">in-service</span>");
            assertThat(dom).contains("<dd>entry 63 at ");
            // The development controller has no TEE, and the page says so before anything else.
            assertThat(dom).contains("<div id=\"simulated-banner\" class=\"banner\">NO TEE: this is a development controller");
            // The history, paged: 20 entries from the first, and a next page.
            assertThat(Pattern.compile("<li data-seq=\"").matcher(dom).results().count()).isEqualTo(20);
            assertThat(dom).contains("<li data-seq=\"1\"><span class=\"kind\">cvm.adoption-started</span>");
            assertThat(dom).contains("<button type=\"button\" id=\"history-next\">Next page</button>");
            assertThat(dom).contains("What this check proves, and what it does not");
        }
    }

    @Test
    void aTamperedStateFailsTheBrowserCheck() throws Exception {
        String cvm = HistoryFixture.adoptedCvm(dir.resolve("data"), List.of(Ed25519KeyPair.generate().publicKey()), 3, true);
        try (RunningController running = RunningController.start(dir.resolve("data"), List.of());
                Proxy proxy = Proxy.start(running.url(), (path, body) -> path.equals("/v1/cvms/" + cvm)
                        ? body.replace("\"mode\":\"in-service\"", "\"mode\":\"in-update\"") : body)) {
            String dom = dumpDom(proxy.url() + "/");

            assertThat(dom).contains("<body data-loaded=\"true\">");
            // The page shows what the tampered state claims, and that the claim is not what the controller signed.
            assertThat(dom).contains("<span class=\"mode mode-in-update\" data-mode=\"in-update\">in-update</span>");
            assertThat(verdict(dom)).startsWith("failed\">Browser check FAILED: state signature: the CVM state: the signature does not verify");
            assertThat(checks(dom)).containsExactly("controller key=passed", "key pin=note", "state signature=failed");
        }
    }

    @Test
    void aTamperedLatestEntryFailsTheBrowserCheck() throws Exception {
        String cvm = HistoryFixture.adoptedCvm(dir.resolve("data"), List.of(Ed25519KeyPair.generate().publicKey()), 3, true);
        try (RunningController running = RunningController.start(dir.resolve("data"), List.of());
                Proxy proxy = Proxy.start(running.url(), (path, body) -> path.startsWith("/v1/cvms/" + cvm + "/entries")
                        ? body.replace("\"to\":\"in-service\"", "\"to\":\"in-update\"") : body)) {
            String dom = dumpDom(proxy.url() + "/");

            assertThat(verdict(dom)).startsWith("failed\">Browser check FAILED: latest entry: entry 9 hashes to ");
            assertThat(checks(dom)).containsExactly("controller key=passed", "key pin=note", "state signature=passed", "checkpoint=passed",
                    "latest entry=failed");
        }
    }

    @Test
    void aPinnedFingerprintMustBeTheControllerKey() throws Exception {
        HistoryFixture.adoptedCvm(dir.resolve("data"), List.of(Ed25519KeyPair.generate().publicKey()), 3, true);
        try (RunningController running = RunningController.start(dir.resolve("data"), List.of())) {
            String keyId = running.controller.evidence(Optional.empty()).at("/payload/signing_key/key_id").asText();

            String other = dumpDom(running.url() + "/#pin=" + "0".repeat(64));
            assertThat(verdict(other)).startsWith("failed\">Browser check FAILED: key pin: you pinned " + "0".repeat(64)
                    + " (by the address you opened) but the controller key is " + keyId);
            assertThat(checks(other)).containsExactly("controller key=passed", "key pin=failed");

            String same = dumpDom(running.url() + "/#pin=" + keyId);
            assertThat(verdict(same)).isEqualTo("passed\">Browser check PASSED");
            assertThat(checks(same)).containsExactly("controller key=passed", "key pin=passed", "state signature=passed", "checkpoint=passed",
                    "latest entry=passed", "inclusion=passed");
        }
    }

    @Test
    void overHttpsWithSimulatedEvidenceThePageSaysSimulatedAndStillChecks() throws Exception {
        Path data = dir.resolve("data");
        HistoryFixture.adoptedCvm(data, List.of(Ed25519KeyPair.generate().publicKey()), 3, true);
        try (Controller controller = Controller.open(ControllerConfig.defaults(data, List.of()), d -> FileSealer.openOrCreate(d.sealingKey()),
                Optional.empty(), SelfAttestation.simulatedSnp(SimulatedSnp.open(dir.resolve("chip"))));
                ControllerServer server = ControllerServer.start(controller, "127.0.0.1", 0, ControllerServer.Transport.HTTPS)) {
            // The certificate names no host and nobody is meant to trust it (docs/api.md, Transport); the browser is told to go on.
            String dom = chromium("--ignore-certificate-errors", "--dump-dom", "https://127.0.0.1:" + server.port() + "/");

            assertThat(dom).contains("<div id=\"simulated-banner\" class=\"banner\">SIMULATED evidence: duet’s simulated chip signs");
            assertThat(dom).contains("<dd>sev-snp (SIMULATED)</dd>");
            assertThat(verdict(dom)).startsWith("passed\">Browser check PASSED");
        }
    }

    @Test
    void onAPhoneSizedScreenTheNoTeeWarningIsInView() throws Exception {
        HistoryFixture.adoptedCvm(dir.resolve("data"), List.of(Ed25519KeyPair.generate().publicKey()), 3, true);
        try (RunningController running = RunningController.start(dir.resolve("data"), List.of())) {
            Path png = dir.resolve("phone.png");
            chromium("--window-size=390,844", "--screenshot=" + png, running.url() + "/");

            BufferedImage image = ImageIO.read(png.toFile());
            assertThat(image).as("a PNG at " + png).isNotNull();
            assertThat(image.getWidth()).isEqualTo(390);
            assertThat(image.getHeight()).isEqualTo(844);
            // The banner's border (--bad, #c62828) is drawn in the first screen, on a page as wide as the phone.
            assertThat(pixels(image, 0xc62828)).isGreaterThan(500);
        }
    }

    /** The page's DOM once its script has run (Chromium lets the page's virtual time run while its requests are answered). */
    private String dumpDom(String url) throws Exception {
        return chromium("--dump-dom", url);
    }

    private String chromium(String... arguments) throws Exception {
        Path browser = browser();
        List<String> command = new ArrayList<>(List.of(browser.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--hide-scrollbars", "--no-first-run", "--user-data-dir=" + Files.createTempDirectory(dir, "profile"),
                "--virtual-time-budget=15000"));
        command.addAll(List.of(arguments));
        Path out = dir.resolve("chromium.out");
        Path err = dir.resolve("chromium.err");
        Process process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("chromium did not finish within 90 s; its last words: " + tail(err));
        }
        assertThat(process.exitValue()).as("chromium's exit status; its last words: " + tail(err)).isZero();
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    /** Debian's Chromium, required in CI and skipped without elsewhere. */
    private static Path browser() {
        Optional<Path> found = Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator))
                .map(p -> Path.of(p, "chromium")).filter(Files::isExecutable).findFirst();
        if (found.isEmpty() && System.getenv("CI") != null) {
            throw new AssertionError("chromium is not installed, and CI must run the web page tests: ./duet test installs it "
                    + "(apt-get install chromium)");
        }
        Assumptions.assumeTrue(found.isPresent(), "chromium is not installed here (apt-get install chromium, or ./duet test): "
                + "skipping the web page's browser tests");
        return found.get();
    }

    private static String tail(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
    }

    private static String verdict(String dom) {
        Matcher m = Pattern.compile("<p id=\"verdict\" class=\"verdict\" data-verdict=\"([^<]*)</p>").matcher(dom);
        assertThat(m.find()).as("a verdict in the page:\n" + dom).isTrue();
        return m.group(1);
    }

    /** Each check as name=status, in order. */
    private static List<String> checks(String dom) {
        return CHECK.matcher(dom).results().map(m -> m.group(1) + "=" + m.group(2)).toList();
    }

    private static int pixels(BufferedImage image, int rgb) {
        int count = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if ((image.getRGB(x, y) & 0xffffff) == rgb) {
                    count++;
                }
            }
        }
        return count;
    }

    /** A loopback HTTP proxy to the controller that rewrites the bodies it passes on: {@code rewrite(path, body)}. */
    private record Proxy(HttpServer server) implements AutoCloseable {
        static Proxy start(String upstream, BinaryOperator<String> rewrite) throws IOException {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", exchange -> {
                try (exchange) {
                    URI uri = exchange.getRequestURI();
                    HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(upstream + uri.getRawPath()
                            + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()))).GET().build(),
                            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                    byte[] body = rewrite.apply(uri.getRawPath(), answer.body()).getBytes(StandardCharsets.UTF_8);
                    for (String header : new String[] {"Content-Type", "Content-Security-Policy"}) {
                        answer.headers().firstValue(header).ifPresent(v -> exchange.getResponseHeaders().add(header, v));
                    }
                    exchange.sendResponseHeaders(answer.statusCode(), body.length == 0 ? -1 : body.length);
                    exchange.getResponseBody().write(body);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            server.start();
            return new Proxy(server);
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
