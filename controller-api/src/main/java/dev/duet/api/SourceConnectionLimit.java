package dev.duet.api;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.util.IO;

/**
 * A bounded share of the connection slots per source; a connection beyond its source's share is
 * closed as it is accepted, before anything is read from it. A source is an IPv4 address or an
 * IPv6 /64 (one host is commonly given a whole /64, so counting IPv6 addresses one by one would
 * bound nothing). Each source may hold {@code perSource} connections while fewer than half of the
 * {@code total} slots are taken; beyond that its share shrinks with the slots left, down to
 * {@value #FLOOR}, so that a few sources cannot take every slot (Jetty's {@code
 * NetworkConnectionLimit} enforces {@code total} itself). Memory is bounded by the open
 * connections: a source is forgotten when its last connection closes.
 */
final class SourceConnectionLimit implements SelectorManager.AcceptListener {
    /** What every source keeps under pressure: enough for a client and its retry. */
    static final int FLOOR = 2;

    private final int perSource;
    private final int total;
    private final Map<SelectableChannel, InetAddress> sources = new IdentityHashMap<>();
    private final Map<InetAddress, Integer> open = new HashMap<>();

    SourceConnectionLimit(int perSource, int total) {
        this.perSource = perSource;
        this.total = total;
    }

    /** The source an address counts against: itself for IPv4 (IPv4-mapped IPv6 included), its /64 for IPv6. */
    static InetAddress sourceOf(InetAddress address) {
        if (address instanceof Inet6Address) {
            byte[] prefix = Arrays.copyOf(address.getAddress(), 16);
            Arrays.fill(prefix, 8, 16, (byte) 0);
            try {
                return InetAddress.getByAddress(prefix);
            } catch (UnknownHostException impossible) {
                throw new IllegalStateException("16 bytes are an IPv6 address", impossible);
            }
        }
        return address;
    }

    /** How many connections one source may hold while {@code taken} slots are in use. */
    int shareAt(int taken) {
        int half = Math.max(1, total / 2);
        if (taken < half) {
            return perSource;
        }
        return Math.max(Math.min(FLOOR, perSource), (int) ((long) perSource * Math.max(0, total - taken) / half));
    }

    @Override
    public synchronized void onAccepting(SelectableChannel channel) {
        InetAddress source;
        try {
            source = sourceOf(((InetSocketAddress) ((SocketChannel) channel).getRemoteAddress()).getAddress());
        } catch (IOException | ClassCastException e) {
            IO.close(channel);
            return;
        }
        int share = shareAt(sources.size());
        sources.put(channel, source);
        if (open.merge(source, 1, Integer::sum) > share) {
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
