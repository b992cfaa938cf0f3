package dev.duet.api;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own error responses as problem details: what its parser refuses (a malformed or too long
 * request line, too large headers, an unknown HTTP version, a bad Content-Length) and what no
 * handler takes. Installed on the server and on the servlet context, so no error is an HTML page or
 * an empty body. The request target is not echoed: it may be what was wrong. A refused CONNECT
 * closes its connection: Jetty keeps a CONNECT's connection open for a tunnel whatever the request
 * said, and the controller serves none.
 */
final class ProblemErrorHandler extends ErrorHandler {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = response.getStatus();
        String message = (String) request.getAttribute(ERROR_MESSAGE);
        if (request.getAttribute(ERROR_EXCEPTION) instanceof HttpException http) {
            status = http.getCode();
            if (message == null) {
                message = http.getReason();
            }
        }
        Problems.Problem problem = Problems.forStatus(status);
        request.setAttribute(AccessLog.PROBLEM, problem.type());
        response.setStatus(problem.status());
        // Jetty clears the answer's headers before it asks for an error page, and refuses some requests before any
        // handler saw them: the request id is put (back) on the answer either way.
        String id = request.getAttribute(AccessLog.ATTRIBUTE) instanceof String known ? known
                : AccessLog.requestId(request.getHeaders().get(AccessLog.HEADER));
        request.setAttribute(AccessLog.ATTRIBUTE, id);
        response.getHeaders().put(AccessLog.HEADER, id);
        if (HttpMethod.CONNECT.is(request.getMethod())) {
            response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        }
        if (HttpStatus.hasNoBody(problem.status()) || "HEAD".equals(request.getMethod())) {
            callback.succeeded();
            return true;
        }
        String detail = message == null || message.isBlank() ? HttpStatus.getMessage(problem.status())
                : message.substring(0, Math.min(message.length(), 256));
        byte[] body = Json.bytes(Problems.body(problem, detail, null));
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, Problems.CONTENT_TYPE);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }
}
