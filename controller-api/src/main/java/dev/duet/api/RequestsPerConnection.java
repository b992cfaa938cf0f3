package dev.duet.api;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Caps the requests one connection may make, as web servers' keep-alive request limits do: the
 * answer to the last one closes the connection, and whatever else the client pipelined is dropped
 * unread. Otherwise a client that pipelines thousands of cheap reads, however cheap each is, keeps
 * a thread answering them for as long as the answers fit in the socket buffers, and enough such
 * connections leave none for anyone else.
 */
final class RequestsPerConnection extends Handler.Wrapper {
    static final int MAX_REQUESTS = 20;

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (request.getConnectionMetaData().getConnection().getMessagesIn() >= MAX_REQUESTS) {
            response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        }
        return super.handle(request, response, callback);
    }
}
