package dev.duet.api;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.util.IO;

/**
 * At most {@code perSource} connections open at once from one source address; a connection beyond
 * that is closed as it is accepted, before anything is read from it. With the server-wide limit
 * (Jetty's {@code NetworkConnectionLimit}) this keeps one host from taking every slot. Memory is
 * bounded by the open connections: an address is forgotten when its last connection closes.
 */
final class SourceConnectionLimit implements SelectorManager.AcceptListener {
    private final int perSource;
    private final Map<SelectableChannel, InetAddress> sources = new IdentityHashMap<>();
    private final Map<InetAddress, Integer> open = new HashMap<>();

    SourceConnectionLimit(int perSource) {
        this.perSource = perSource;
    }

    @Override
    public synchronized void onAccepting(SelectableChannel channel) {
        InetAddress source;
        try {
            source = ((InetSocketAddress) ((SocketChannel) channel).getRemoteAddress()).getAddress();
        } catch (IOException | ClassCastException e) {
            IO.close(channel);
            return;
        }
        sources.put(channel, source);
        if (open.merge(source, 1, Integer::sum) > perSource) {
            IO.close(channel);
        }
    }

    @Override
    public void onAcceptFailed(SelectableChannel channel, Throwable cause) {
        forget(channel);
    }

    @Override
    public void onClosed(SelectableChannel channel) {
        forget(channel);
    }

    private synchronized void forget(SelectableChannel channel) {
        InetAddress source = sources.remove(channel);
        if (source != null) {
            open.computeIfPresent(source, (address, count) -> count > 1 ? count - 1 : null);
        }
    }
}
