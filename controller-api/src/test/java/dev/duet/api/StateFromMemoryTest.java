package dev.duet.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.controller.HistoryFixture;
import dev.duet.controller.RequestLimits;
import dev.duet.protocol.Ed25519KeyPair;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CVM's state read without a nonce, while the summary last signed for it is current, is sent from
 * memory and takes no heavy-read slot: it is answered while another client holds every slot. A read
 * that would cost work (a nonce, or the first read after the log grew) still needs a slot and is
 * refused while none is free.
 */
class StateFromMemoryTest {
    @TempDir Path dir;

    @Test
    void aCurrentSummaryIsServedWhileEverySlotIsHeldAndAReadThatCostsWorkIsNot() throws Exception {
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        Path data = dir.resolve("data");
        String cvm = HistoryFixture.adoptedCvm(data, List.of(key.publicKey()), 2000, true);
        String state = "/v1/cvms/" + cvm;
        try (RunningController running = RunningController.start(data, List.of(key.publicKey()), RequestLimits.defaults().withHeavyReads(1, 1))) {
            TestOwner owner = new TestOwner(running.port(), key);
            assertThat(owner.get(state).status()).as("the first read signs the summary").isEqualTo(200);
            assertThat(owner.get(state + "/bundle").raw().length()).as("a bundle too large for the holder's buffers").isGreaterThan(500_000);

            // Another source pipelines bundle reads and never reads them: it holds the only heavy-read slot.
            try (SocketChannel holder = NonReadingClientTest.pipelined("127.0.7.1", running.port(),
                    NonReadingClientTest.repeated("GET " + state + "/bundle HTTP/1.1\r\nHost: x\r\n\r\n", 5))) {
                Thread.sleep(500);
                assertThat(owner.get(state + "/entries").status()).as("a page of history needs the slot").isEqualTo(503);
                assertThat(owner.get(state + "?nonce=n1").status()).as("a summary signed for a nonce needs the slot").isEqualTo(503);
                assertThat(owner.get(state).status()).as("the summary last signed, from memory").isEqualTo(200);

                TestOwner.Reply refused = owner.signed("POST", state + "/commands", "{\"argv\":[\"true\"]}");
                assertThat(refused.status()).as("a command in-service is refused, and the refusal logged: " + refused.raw()).isEqualTo(409);
                assertThat(owner.get(state).status()).as("after the log grew, the summary must be composed again").isEqualTo(503);
            }
        }
    }
}
