package dev.duet.api;

import java.nio.ByteBuffer;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Sends the last part of an answer without a handler thread waiting for the client to take it. The
 * servlet API writes and closes its output by blocking, so a client that pipelines requests and
 * never reads held one handler thread per connection until the idle timeout, and a few hundred such
 * connections held every thread (/healthz went unanswered). Here a last write of at most {@code
 * limit} bytes is copied and handed to the connection, and the servlet is told at once that it is
 * done; the exchange itself completes (and the connection moves on to its next request) only when
 * the bytes are written or the write fails, for instance at the idle timeout. A stalled client so
 * costs a copy of a small answer, not a thread. Larger answers are only the heavy reads, whose
 * number is bounded ({@link HeavyReads}).
 */
final class WriteBehind extends Handler.Wrapper {
    private final int limit;

    WriteBehind(int limit) {
        this.limit = limit;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        Exchange exchange = new Exchange(callback);
        return super.handle(request, exchange.writer(request, response), exchange);
    }

    /** The exchange's completion, held back while a write handed to the connection is pending. */
    private final class Exchange extends Callback.Nested {
        private boolean writing;
        private boolean completed;
        private Throwable failure;

        Exchange(Callback callback) {
            super(callback);
        }

        Response writer(Request request, Response response) {
            return new Response.Wrapper(request, response) {
                @Override
                public void write(boolean last, ByteBuffer content, Callback callback) {
                    if (!last || content == null || content.remaining() > limit) {
                        super.write(last, content, callback);
                        return;
                    }
                    ByteBuffer copy = ByteBuffer.allocate(content.remaining()).put(content).flip();
                    synchronized (Exchange.this) {
                        writing = true;
                    }
                    super.write(true, copy, Callback.from(() -> written(null), Exchange.this::written));
                    callback.succeeded();
                }
            };
        }

        private void written(Throwable cause) {
            boolean complete;
            synchronized (this) {
                writing = false;
                if (failure == null) {
                    failure = cause;
                }
                complete = completed;
            }
            if (complete) {
                finish();
            }
        }

        @Override
        public void succeeded() {
            complete(null);
        }

        @Override
        public void failed(Throwable cause) {
            complete(cause);
        }

        private void complete(Throwable cause) {
            boolean now;
            synchronized (this) {
                completed = true;
                if (cause != null && failure == null) {
                    failure = cause;
                }
                now = !writing;
            }
            if (now) {
                finish();
            }
        }

        private void finish() {
            Throwable cause;
            synchronized (this) {
                cause = failure;
            }
            if (cause == null) {
                super.succeeded();
            } else {
                super.failed(cause);
            }
        }
    }
}
