package dev.duet.log.merkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.duet.log.Sha256Hash;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Post-order positions are the order in which appends complete the subtrees, with no gap and no repeat. */
class PostOrderTest {
    @Test
    void appendsCompleteSubtreesAtConsecutivePositions() {
        MerkleFrontier tree = new MerkleFrontier();
        List<Long> positions = new ArrayList<>();
        for (int leaf = 0; leaf < 4096; leaf++) {
            tree.append(Sha256Hash.of(new byte[] {(byte) leaf, (byte) (leaf >> 8)}),
                    (level, index, hash) -> positions.add(PostOrder.position(level, index)));
            long leaves = leaf + 1;
            assertThat(positions).as("after %d leaves", leaves).hasSize((int) PostOrder.nodes(leaves));
            assertThat(PostOrder.leaves(positions.size())).hasValue(leaves);
        }
        for (int i = 0; i < positions.size(); i++) {
            assertThat(positions.get(i)).isEqualTo(i);
        }
    }

    @Test
    void aNodeCountNoTreeHasIsNotTakenForOne() {
        assertThat(PostOrder.leaves(0)).hasValue(0);
        assertThat(PostOrder.leaves(-1)).isEqualTo(OptionalLong.empty());
        assertThat(PostOrder.leaves(Long.MAX_VALUE)).as("more nodes than any tree here has").isEqualTo(OptionalLong.empty());
        assertThat(PostOrder.leaves(2)).as("one leaf is 1 node, two are 3").isEqualTo(OptionalLong.empty());
        // The leaf that makes 2^40 completes 41 subtrees at once: no tree has any node count in between.
        assertThat(PostOrder.leaves(PostOrder.nodes((1L << 40) - 1) + 1)).isEqualTo(OptionalLong.empty());
        assertThat(PostOrder.leaves(PostOrder.nodes(1L << 40) - 1)).isEqualTo(OptionalLong.empty());
        assertThat(PostOrder.leaves(PostOrder.nodes((1L << 40) + 1))).hasValue((1L << 40) + 1);
    }

    @Test
    void positionsBeyondAnyLogAreRefused() {
        assertThatThrownBy(() -> PostOrder.position(-1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PostOrder.position(0, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PostOrder.position(62, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(PostOrder.position(3, 0)).isEqualTo(14);
        for (int level : new int[] {0, 1, 30, 60}) {
            long last = (Long.MAX_VALUE >> (level + 2)) - 1;
            assertThat(PostOrder.position(level, last)).as("level %d", level).isPositive();
            assertThatThrownBy(() -> PostOrder.position(level, last + 1)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
