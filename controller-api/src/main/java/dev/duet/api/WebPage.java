package dev.duet.api;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The service users' page ({@code GET /}, docs/operations.md "The web page") and its script and
 * style sheet: plain files kept in memory from the jar, so serving them reads nothing and signs
 * nothing (a light read, {@link HeavyReads}). Every answer forbids whatever the page does not need
 * (Content-Security-Policy): scripts, styles and requests only from this controller, no inline
 * script, no frames; the page checks what the controller serves, so nothing else may run in it.
 */
final class WebPage {
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
            + "frame-ancestors 'none'";

    /** What one path answers: its bytes and their type. */
    record Asset(String contentType, byte[] body) {}

    /** Path to asset; the paths are the routes and, being answered from memory, light reads. */
    static final Map<String, Asset> ASSETS = assets();

    private WebPage() {}

    private static Map<String, Asset> assets() {
        return Map.of("/", new Asset("text/html; charset=utf-8", resource("index.html")),
                "/assets/duet.js", new Asset("text/javascript; charset=utf-8", resource("duet.js")),
                "/assets/duet.css", new Asset("text/css; charset=utf-8", resource("duet.css")));
    }

    private static byte[] resource(String name) {
        try (InputStream in = WebPage.class.getResourceAsStream("web/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the controller jar lacks its web page file " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the web page file " + name + " from the controller jar", e);
        }
    }

    static void send(Context ctx, Asset asset) {
        ctx.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
        // A new controller version brings a new page; a browser must not keep running the old one.
        ctx.header("Cache-Control", "no-cache");
        ctx.contentType(asset.contentType());
        ctx.result(asset.body());
    }
}
