package dev.duet.api;

import io.javalin.http.Context;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.EndPoint;

/**
 * Reads an owner request's body, when and as much as the controller asks ({@link
 * dev.duet.controller.BodySource}), giving up at a deadline. A blocking servlet read waits for
 * bytes, not for a time; so before each read the connection's idle timeout is set to the time left,
 * and Jetty fails a read that waits longer (a failure the request survives, so it can still be
 * answered 408). The connection's own idle timeout is restored afterwards. The timeout says which
 * limit ended the wait: the deadline, or the idle limit when that came first.
 */
final class BodyReader {
    private BodyReader() {}

    static byte[] read(Context ctx, int length, Duration within) throws TimeoutException, IOException {
        long deadline = System.nanoTime() + within.toNanos();
        EndPoint endPoint = ServletContextRequest.getServletContextRequest(ctx.req()).getConnectionMetaData().getConnection().getEndPoint();
        long idle = endPoint.getIdleTimeout();
        byte[] body = new byte[length];
        int read = 0;
        try {
            InputStream in = ctx.req().getInputStream();
            while (read < length) {
                long left = Duration.ofNanos(deadline - System.nanoTime()).toMillis();
                if (left <= 0) {
                    throw new TimeoutException("it was not complete within " + within.toMillis() + " ms");
                }
                long wait = idle > 0 ? Math.min(idle, left) : left;
                endPoint.setIdleTimeout(wait);
                int n;
                try {
                    n = in.read(body, read, length - read);
                } catch (IOException e) {
                    if (causedByTimeout(e)) {
                        throw new TimeoutException(wait < left ? "no byte of it arrived for " + wait + " ms (the connection's idle limit)"
                                : "it was not complete within " + within.toMillis() + " ms");
                    }
                    throw e;
                }
                if (n < 0) {
                    throw new EOFException("the body ended after " + read + " of " + length + " bytes");
                }
                read += n;
            }
        } finally {
            endPoint.setIdleTimeout(idle);
        }
        return body;
    }

    private static boolean causedByTimeout(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof TimeoutException) {
                return true;
            }
        }
        return false;
    }
}
