package dev.duet.api;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * A deadline for a request's headers: they must be complete within {@code timeout} of the
 * connection opening, or of the previous answer on it being sent, or the connection is closed. The
 * idle timeout cannot do this, since every byte resets it: a client sending one header line every
 * few seconds (slowloris) would hold its connection slot for ever. The deadline is armed when a
 * connection opens and when an exchange ends, and disarmed when a request's headers are complete
 * (its handling starts); while a request is handled, the body and answer deadlines apply instead.
 */
final class HeaderDeadline extends Handler.Wrapper implements Connection.Listener {
    private final Duration timeout;
    private final Scheduler scheduler;
    private final Map<Connection, Deadline> armed = new ConcurrentHashMap<>();

    HeaderDeadline(Duration timeout, Scheduler scheduler) {
        this.timeout = timeout;
        this.scheduler = scheduler;
    }

    @Override
    public void onOpened(Connection connection) {
        arm(connection);
    }

    @Override
    public void onClosed(Connection connection) {
        disarm(connection);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        Connection connection = request.getConnectionMetaData().getConnection();
        disarm(connection);
        Callback rearm = new Callback.Nested(callback) {
            @Override
            public void succeeded() {
                arm(connection);
                super.succeeded();
            }

            @Override
            public void failed(Throwable cause) {
                arm(connection);
                super.failed(cause);
            }
        };
        boolean handled = super.handle(request, response, rearm);
        if (!handled) {
            arm(connection);
        }
        return handled;
    }

    /** Starts the deadline for the connection's next request; armed before the exchange completes, so before that request can start. */
    private void arm(Connection connection) {
        if (!connection.getEndPoint().isOpen()) {
            return;
        }
        Deadline deadline = new Deadline(connection);
        Deadline previous = armed.put(connection, deadline);
        if (previous != null) {
            previous.cancel();
        }
        deadline.task = scheduler.schedule(deadline, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void disarm(Connection connection) {
        Deadline deadline = armed.remove(connection);
        if (deadline != null) {
            deadline.cancel();
        }
    }

    private final class Deadline implements Runnable {
        private final Connection connection;
        private volatile Scheduler.Task task;

        Deadline(Connection connection) {
            this.connection = connection;
        }

        @Override
        public void run() {
            if (armed.remove(connection, this)) {
                connection.getEndPoint().close(new TimeoutException("request headers not complete within " + timeout.toMillis() + " ms"));
            }
        }

        void cancel() {
            Scheduler.Task scheduled = task;
            if (scheduled != null) {
                scheduled.cancel();
            }
        }
    }
}
