package dev.duet.protocol.shield;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The paths the policy judges are the paths the CVM is asked for, and they read as what they are. */
class RemotePathTest {
    @Test
    void normalPathsInAnyScriptAreTaken() {
        for (String path : List.of("/etc/app.conf", "/srv/données/été.txt", "/opt/日本/設定", "/a b/c")) {
            assertThat(RemotePath.problem(path)).as(path).isNull();
        }
    }

    @Test
    void controlAndInvisibleFormatCharactersAreRefused() {
        for (String path : List.of("/tmp/a\u0000b", "/tmp/a\nb", "/tmp/a\u007fb", "/tmp/a\u0085b", "/tmp/a\u009bb", "/tmp/\u202egnp.exe",
                "/tmp/a\u200bb", "/tmp/a\u2066b", "/tmp/a\ufeffb", "/tmp/a\ud800b")) {
            assertThat(RemotePath.problem(path)).as(path.codePoints().mapToObj(Integer::toHexString).toList().toString())
                    .contains("control or invisible format characters");
        }
    }

    @Test
    void otherFormsAreRefusedRatherThanNormalised() {
        for (String path : List.of("etc/x", "/", "/a//b", "/a/./b", "/a/../b", "/a/")) {
            assertThat(RemotePath.problem(path)).as(path).isNotNull();
        }
    }
}
