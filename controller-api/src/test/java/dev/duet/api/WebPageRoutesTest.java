package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.controller.HistoryFixture;
import dev.duet.controller.RequestLimits;
import dev.duet.protocol.Ed25519KeyPair;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web page's routes without a browser (WebPageTest runs it in one): each file with its type and
 * a policy that lets nothing but this controller's own script, styles and requests into the page;
 * nothing inline or from elsewhere for that policy to have to allow; and served from memory, while
 * another client holds every heavy-read slot.
 */
class WebPageRoutesTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Map<String, String> TYPES = Map.of("/", "text/html; charset=utf-8",
            "/assets/duet.js", "text/javascript; charset=utf-8", "/assets/duet.css", "text/css; charset=utf-8");

    @TempDir Path dir;

    private static HttpResponse<String> send(RunningController running, String method, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(running.url() + path)).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    @Test
    void eachFileComesWithItsTypeAndAPolicyThatAdmitsOnlyThisController() throws Exception {
        try (RunningController running = RunningController.start(dir.resolve("data"), List.of(Ed25519KeyPair.generate().publicKey()))) {
            for (Map.Entry<String, String> file : TYPES.entrySet()) {
                for (String method : new String[] {"GET", "HEAD"}) {
                    HttpResponse<String> answer = send(running, method, file.getKey());
                    assertThat(answer.statusCode()).as(method + " " + file.getKey()).isEqualTo(200);
                    assertThat(answer.headers().firstValue("Content-Type")).as(file.getKey()).hasValueSatisfying(type ->
                            assertThat(type.replace(";charset", "; charset")).isEqualToIgnoringCase(file.getValue()));
                    assertThat(answer.headers().firstValue("Content-Security-Policy")).hasValue("default-src 'self'; object-src 'none'; "
                            + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
                    assertThat(answer.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
                    assertThat(answer.body()).as(method + " " + file.getKey()).isEqualTo(method.equals("HEAD") ? ""
                            : new String(WebPage.ASSETS.get(file.getKey()).body(), StandardCharsets.UTF_8));
                }
            }
            HttpResponse<String> query = send(running, "GET", "/?cvm=x");
            assertThat(query.statusCode()).isEqualTo(400);
            assertThat(query.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        }
    }

    @Test
    void thePageHoldsNothingInlineAndNothingFromElsewhere() {
        String page = new String(WebPage.ASSETS.get("/").body(), StandardCharsets.UTF_8);
        assertThat(Pattern.compile("<script(?![^>]*\\ssrc=\"/assets/duet\\.js\")").matcher(page).find()).as("a script without src").isFalse();
        assertThat(Pattern.compile("\\son[a-z]+\\s*=", Pattern.CASE_INSENSITIVE).matcher(page).find()).as("an inline handler").isFalse();
        assertThat(page).doesNotContain(" style=").doesNotContain("<style");
        for (WebPage.Asset asset : WebPage.ASSETS.values()) {
            String text = new String(asset.body(), StandardCharsets.UTF_8);
            assertThat(text).doesNotContainPattern("(?i)(https?:)?//[a-z0-9.-]+\\.[a-z]{2,}").doesNotContain("@import").doesNotContain("innerHTML")
                    .doesNotContain("eval(");
        }
    }

    @Test
    void thePageIsServedWhileAnotherClientHoldsEveryHeavyReadSlot() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        Path data = dir.resolve("data");
        String cvm = HistoryFixture.adoptedCvm(data, List.of(key.publicKey()), 2000, true);
        try (RunningController running = RunningController.start(data, List.of(key.publicKey()), RequestLimits.defaults().withHeavyReads(1, 1))) {
            TestOwner owner = new TestOwner(running.port(), key);
            try (SocketChannel holder = NonReadingClientTest.pipelined("127.0.7.1", running.port(),
                    NonReadingClientTest.repeated("GET /v1/cvms/" + cvm + "/bundle HTTP/1.1\r\nHost: x\r\n\r\n", 5))) {
                Thread.sleep(500);
                assertThat(owner.get("/v1/cvms").status()).as("the list needs the slot").isEqualTo(503);
                for (String path : TYPES.keySet()) {
                    assertThat(owner.get(path).status()).as(path + ", from memory").isEqualTo(200);
                }
            }
        }
    }
}
