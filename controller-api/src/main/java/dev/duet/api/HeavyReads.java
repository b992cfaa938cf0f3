package dev.duet.api;

import dev.duet.controller.RequestLimits;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Bounds what anonymous reads can make the controller do. A read whose cost grows with the log or
 * that needs a signature of its own (a CVM's signed state, log entries, proofs, the CVM list,
 * evidence for a nonce: every GET or HEAD except the few answered from memory named here, and a
 * CVM's state while its last signed summary is current ({@code inMemory}), without a query, so an
 * unforeseen or oddly encoded path counts as heavy) holds a slot from when
 * its handling starts until all but the last byte of its answer is sent: at most {@code maxHeavyReads} at once, {@code
 * maxHeavyReadsPerSource} per source ({@link SourceConnectionLimit#sourceOf}). Beyond them the
 * answer is 429 (this source) or 503 (everyone), with Retry-After, at once and without work. Once
 * the answer starts, the client must take it at the body pace ({@link RequestLimits#bodyDeadline}
 * of the bytes written so far) or its connection is closed: a client reading a trickle cannot hold
 * a slot for ever, though one that reads nothing at all is closed sooner by the idle timeout.
 */
final class HeavyReads extends Handler.Wrapper {
    /**
     * Answered from memory: the checkpoint as last committed, the evidence without a nonce as last
     * signed, the API description, the metrics (counters in memory; the CVMs by mode are counted
     * again only after the log grew), the web page and its files as the jar holds them.
     */
    private static final Set<String> LIGHT = Stream.concat(Stream.of("/healthz", "/v1/controller/evidence", "/v1/log/checkpoint",
            "/openapi.json", "/metrics"), WebPage.ASSETS.keySet().stream()).collect(Collectors.toUnmodifiableSet());
    private static final Problems.Problem SOURCE_BUSY = new Problems.Problem(429, "too-many-reads",
            "Too many reads in progress from this address");
    private static final Problems.Problem BUSY = new Problems.Problem(503, "busy",
            "The controller is serving as many reads as it will at once");

    private final RequestLimits limits;
    private final Scheduler scheduler;
    private final Predicate<String> inMemory;
    private final Map<InetAddress, Integer> bySource = new HashMap<>();
    private int inProgress;

    /**
     * @param inMemory whether a read of this path, without a query, would be answered right now from
     *     bytes the controller keeps (a CVM's state whose summary was last signed under the current
     *     checkpoint). Asked per request: if the log grows between this answer and the read, that one
     *     read folds only the entries appended meanwhile.
     */
    HeavyReads(RequestLimits limits, Scheduler scheduler, Predicate<String> inMemory) {
        this.limits = limits;
        this.scheduler = scheduler;
        this.inMemory = inMemory;
    }

    private boolean heavy(Request request) {
        String method = request.getMethod();
        if (!HttpMethod.GET.is(method) && !HttpMethod.HEAD.is(method)) {
            return false;
        }
        // A query (a nonce, a page) asks for a document made for this request alone.
        String path = request.getHttpURI().getPath();
        return request.getHttpURI().getQuery() != null || !(LIGHT.contains(path) || inMemory.test(path));
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!heavy(request)) {
            return super.handle(request, response, callback);
        }
        InetAddress source = sourceOf(request.getConnectionMetaData().getRemoteSocketAddress());
        Problems.Problem refusal = acquire(source);
        if (refusal != null) {
            refuse(request, response, callback, refusal);
            return true;
        }
        Paced paced = new Paced(request, response, callback, source);
        boolean handled;
        try {
            handled = super.handle(request, paced, paced.completion);
        } catch (Exception | Error e) {
            paced.end();
            throw e;
        }
        if (!handled) {
            paced.end();
        }
        return handled;
    }

    private static InetAddress sourceOf(SocketAddress remote) {
        return remote instanceof InetSocketAddress inet ? SourceConnectionLimit.sourceOf(inet.getAddress())
                : InetAddress.getLoopbackAddress();
    }

    /** Takes a slot, or says why not. */
    private synchronized Problems.Problem acquire(InetAddress source) {
        int fromSource = bySource.getOrDefault(source, 0);
        if (fromSource >= limits.maxHeavyReadsPerSource()) {
            return SOURCE_BUSY;
        }
        if (inProgress >= limits.maxHeavyReads()) {
            return BUSY;
        }
        bySource.put(source, fromSource + 1);
        inProgress++;
        return null;
    }

    private synchronized void release(InetAddress source) {
        bySource.computeIfPresent(source, (address, count) -> count > 1 ? count - 1 : null);
        inProgress--;
    }

    private void refuse(Request request, Response response, Callback callback, Problems.Problem problem) {
        request.setAttribute(AccessLog.PROBLEM, problem.type());
        response.setStatus(problem.status());
        response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, Problems.CONTENT_TYPE);
        if (HttpMethod.HEAD.is(request.getMethod())) {
            response.write(true, BufferUtil.EMPTY_BUFFER, callback);
            return;
        }
        String detail = problem == SOURCE_BUSY
                ? "this address already has " + limits.maxHeavyReadsPerSource() + " reads in progress; retry after Retry-After seconds"
                : "the controller is already serving " + limits.maxHeavyReads() + " reads; retry after Retry-After seconds";
        byte[] body = Json.bytes(Problems.body(problem, detail, null));
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    /** A heavy read's answer, counted as it is written, and cut off if the client takes it too slowly. */
    private final class Paced extends Response.Wrapper implements Runnable {
        private final Request request;
        private final InetAddress source;
        private final Callback completion;
        private long firstWrite;
        private long written;
        private Scheduler.Task check;
        private boolean ended;

        Paced(Request request, Response response, Callback callback, InetAddress source) {
            super(request, response);
            this.request = request;
            this.source = source;
            this.completion = new Callback.Nested(callback) {
                @Override
                public void succeeded() {
                    end();
                    super.succeeded();
                }

                @Override
                public void failed(Throwable cause) {
                    end();
                    super.failed(cause);
                }
            };
        }

        @Override
        public void write(boolean last, ByteBuffer content, Callback callback) {
            int length = content == null ? 0 : content.remaining();
            synchronized (this) {
                if (firstWrite == 0) {
                    firstWrite = System.nanoTime();
                    check = scheduler.schedule(this, deadlineNanos() - firstWrite, TimeUnit.NANOSECONDS);
                }
                written += length;
            }
            if (!last) {
                super.write(false, content, callback);
                return;
            }
            if (length == 0 || HttpMethod.HEAD.is(request.getMethod())) {
                // Nothing is left to send but the answer's head or its end: nothing a client can hold up.
                end();
                super.write(true, content, callback);
                return;
            }
            // A client sees the answer end with its last byte (by Content-Length, the last chunk or the
            // close), so that byte goes out only once the slot is free: a client that waits for each answer
            // before it sends its next read is never refused for the one it has. Freed after the last byte,
            // the slot was still held, for a few milliseconds, when that next read came.
            if (!isCommitted() && !getHeaders().contains(HttpHeader.CONTENT_LENGTH)) {
                // What the server says of a body written in one last write; without it the split below
                // would make the answer chunked.
                getHeaders().put(HttpHeader.CONTENT_LENGTH, length);
            }
            ByteBuffer allButLast = content.slice(content.position(), length - 1);
            ByteBuffer lastByte = content.slice(content.position() + length - 1, 1);
            super.write(false, allButLast, Callback.from(() -> {
                end();
                super.write(true, lastByte, callback);
            }, failure -> {
                end();
                callback.failed(failure);
            }));
        }

        private long deadlineNanos() {
            return firstWrite + limits.bodyDeadline(written).toNanos();
        }

        /** The pace check: cut the connection if the answer is behind, otherwise look again when it would be. */
        @Override
        public void run() {
            long sent;
            synchronized (this) {
                if (ended) {
                    return;
                }
                long left = deadlineNanos() - System.nanoTime();
                if (left > 0) {
                    check = scheduler.schedule(this, left, TimeUnit.NANOSECONDS);
                    return;
                }
                sent = written;
            }
            EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
            endPoint.close(new TimeoutException("the answer (" + sent + " bytes so far) was not taken at "
                    + limits.minBodyBytesPerSecond() + " bytes/s"));
        }

        /** Frees the slot once, however the exchange ends. */
        void end() {
            synchronized (this) {
                if (ended) {
                    return;
                }
                ended = true;
                if (check != null) {
                    check.cancel();
                }
            }
            release(source);
        }
    }
}
