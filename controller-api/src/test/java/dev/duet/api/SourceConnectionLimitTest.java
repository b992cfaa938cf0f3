package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/**
 * What counts as one source, and how a source's share of the connection slots shrinks as they fill.
 * Loopback has one IPv6 address, so the /64 grouping is checked here rather than over sockets
 * (SlowHeaderTest covers the shares over real connections).
 */
class SourceConnectionLimitTest {
    static InetAddress at(String address) throws Exception {
        return InetAddress.getByName(address);
    }

    @Test
    void anIpv6HostIsItsSlash64AndAnIpv4HostItsAddress() throws Exception {
        assertThat(SourceConnectionLimit.sourceOf(at("2001:db8:1:2::1")))
                .isEqualTo(SourceConnectionLimit.sourceOf(at("2001:db8:1:2:ffff:ffff:ffff:ffff")))
                .isEqualTo(at("2001:db8:1:2::"));
        assertThat(SourceConnectionLimit.sourceOf(at("2001:db8:1:3::1"))).isNotEqualTo(SourceConnectionLimit.sourceOf(at("2001:db8:1:2::1")));
        assertThat(SourceConnectionLimit.sourceOf(at("192.0.2.7"))).isEqualTo(at("192.0.2.7"));
        assertThat(SourceConnectionLimit.sourceOf(at("::ffff:192.0.2.7"))).isEqualTo(at("192.0.2.7"));
    }

    @Test
    void theShareShrinksOnceHalfTheSlotsAreTaken() {
        SourceConnectionLimit limit = new SourceConnectionLimit(32, 4096);
        assertThat(limit.shareAt(0)).isEqualTo(32);
        assertThat(limit.shareAt(2047)).isEqualTo(32);
        assertThat(limit.shareAt(3072)).isEqualTo(16);
        assertThat(limit.shareAt(4000)).isEqualTo(SourceConnectionLimit.FLOOR);
        assertThat(limit.shareAt(4096)).isEqualTo(SourceConnectionLimit.FLOOR);
        assertThat(new SourceConnectionLimit(1, 4096).shareAt(4096)).as("never more than perSource").isEqualTo(1);
    }
}
