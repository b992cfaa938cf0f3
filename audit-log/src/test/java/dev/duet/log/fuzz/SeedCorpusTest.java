package dev.duet.log.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.log.note.Checkpoint;
import dev.duet.log.note.MalformedNoteException;
import dev.duet.log.note.NoteRejectedException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fuzz seeds are real outputs of today's code. To remake them after a deliberate format change:
 * {@code mvn -pl audit-log -am test -Dtest=SeedCorpusTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dduet.fuzz.writeSeeds=true}, which writes them under src/test/resources.
 */
class SeedCorpusTest {
    @Test
    void committedSeedsAreWhatTheLogWritesToday(@TempDir Path dir) throws Exception {
        Map<String, byte[]> made = FuzzSeeds.make(dir.resolve("log.db"));
        if (Boolean.getBoolean("duet.fuzz.writeSeeds")) {
            for (Map.Entry<String, byte[]> seed : made.entrySet()) {
                Path file = Path.of("src/test/resources", FuzzSeeds.INPUTS, seed.getKey());
                Files.createDirectories(file.getParent());
                Files.write(file, seed.getValue());
            }
        }
        for (Map.Entry<String, byte[]> seed : made.entrySet()) {
            assertThat(FuzzSeeds.committed(seed.getKey())).as(seed.getKey()).isEqualTo(seed.getValue());
        }
    }

    /** Every single-bit change anywhere in the real signed checkpoint is refused or rejected. */
    @Test
    void noBitOfTheSignedCheckpointCanChange() throws Exception {
        byte[] note = FuzzSeeds.committed(FuzzSeeds.SIGNED_CHECKPOINT);
        assertThat(Checkpoint.open(new String(note, StandardCharsets.UTF_8), FuzzSeeds.signer().verifierKey(), FuzzSeeds.ORIGIN).size())
                .isEqualTo(5);
        int refused = 0;
        for (int i = 0; i < note.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] changed = note.clone();
                changed[i] ^= (byte) (1 << bit);
                try {
                    Checkpoint.open(new String(changed, StandardCharsets.UTF_8), FuzzSeeds.signer().verifierKey(), FuzzSeeds.ORIGIN);
                } catch (MalformedNoteException | NoteRejectedException e) {
                    refused++;
                    continue;
                }
                throw new AssertionError("byte " + i + " bit " + bit + " changed and the checkpoint still opens");
            }
        }
        assertThat(refused).isEqualTo(note.length * 8);
    }
}
