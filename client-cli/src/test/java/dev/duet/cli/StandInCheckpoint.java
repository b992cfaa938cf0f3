package dev.duet.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The checkpoint a stand-in controller serves so that the CLI learns which controller its owner
 * requests are for (the origin line is all it reads before signing); the rest of the note is not a
 * valid signature and no test here verifies it.
 */
final class StandInCheckpoint {
    static final String CONTROLLER_KEY_ID = "ab".repeat(32);

    private StandInCheckpoint() {}

    private static byte[] note() {
        return ("duet.controller/" + CONTROLLER_KEY_ID + "\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n").getBytes(StandardCharsets.UTF_8);
    }

    static void serve(HttpServer server) {
        server.createContext("/v1/log/checkpoint", exchange -> {
            byte[] note = note();
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(200, note.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(note);
            } catch (IOException closed) {
                exchange.close();
            }
        });
    }

    /**
     * For a stand-in on a raw socket: reads one request's head from {@code client} and, if it asks
     * for the checkpoint, answers it and closes the connection; true then. The head is consumed either way.
     */
    static boolean answered(Socket client) throws IOException {
        InputStream in = client.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n") && head.length() < 8192) {
            int b = in.read();
            if (b < 0) {
                return false;
            }
            head.append((char) b);
        }
        if (!head.toString().startsWith("GET /v1/log/checkpoint ")) {
            return false;
        }
        byte[] note = note();
        OutputStream out = client.getOutputStream();
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " + note.length
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(note);
        out.flush();
        return true;
    }
}
