package dev.duet.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.protocol.Lifecycle.Event;
import dev.duet.protocol.Lifecycle.Outcome;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Every event from every mode (and from none): the allowed ones lead where DESIGN §4 says, every
 * other one is refused with a reason. The table is the whole lifecycle.
 */
class LifecycleTest {
    private static final CvmMode P = CvmMode.PROVISIONING;
    private static final CvmMode U = CvmMode.IN_UPDATE;
    private static final CvmMode S = CvmMode.IN_SERVICE;
    private static final CvmMode X = CvmMode.STOPPED;
    private static final CvmMode F = CvmMode.FAILED;

    /** One allowed transition: from (null for none), the event, and the mode it leads to. */
    private record Row(CvmMode from, Event event, CvmMode to) {}

    private static final List<Row> ALLOWED = List.of(
            new Row(null, new Event.Created(), P),
            new Row(P, new Event.Attested(), P),
            new Row(P, new Event.Adopted(), U),
            new Row(P, new Event.Failed(), F),
            new Row(U, new Event.Failed(), F),
            new Row(S, new Event.Failed(), F),
            new Row(U, new Event.ModeChanged(U, S), S),
            new Row(S, new Event.ModeChanged(S, U), U),
            new Row(U, new Event.CommandStarted(), U),
            new Row(U, new Event.CommandEnded(), U),
            new Row(S, new Event.CommandStarted(), S),
            new Row(S, new Event.CommandEnded(), S),
            new Row(U, new Event.FileWriteStarted(), U),
            new Row(U, new Event.FileWriteEnded(), U),
            new Row(U, new Event.FileRead(), U),
            new Row(S, new Event.FileRead(), S),
            new Row(P, new Event.PolicySet(), P),
            new Row(U, new Event.PolicySet(), U),
            new Row(S, new Event.PolicySet(), S),
            new Row(P, new Event.ApprovalChanged(), P),
            new Row(U, new Event.ApprovalChanged(), U),
            new Row(S, new Event.ApprovalChanged(), S),
            new Row(X, new Event.ApprovalChanged(), X),
            new Row(F, new Event.ApprovalChanged(), F),
            new Row(P, new Event.RequestRefused(), P),
            new Row(U, new Event.RequestRefused(), U),
            new Row(S, new Event.RequestRefused(), S),
            new Row(X, new Event.RequestRefused(), X),
            new Row(F, new Event.RequestRefused(), F),
            new Row(U, new Event.Stopped(U), X),
            new Row(S, new Event.Stopped(S), X),
            new Row(F, new Event.Stopped(F), X),
            new Row(X, new Event.Removed(X), X),
            new Row(F, new Event.Removed(F), F));

    /** Every event with every mode it can name, so the table covers the whole space. */
    private static List<Event> events() {
        List<Event> events = new ArrayList<>(List.of(new Event.Created(), new Event.Attested(), new Event.Adopted(), new Event.Failed(),
                new Event.CommandStarted(), new Event.CommandEnded(), new Event.RequestRefused(), new Event.FileWriteStarted(),
                new Event.FileWriteEnded(), new Event.FileRead(), new Event.PolicySet(), new Event.ApprovalChanged()));
        for (CvmMode a : CvmMode.values()) {
            events.add(new Event.Stopped(a));
            events.add(new Event.Removed(a));
            for (CvmMode b : CvmMode.values()) {
                events.add(new Event.ModeChanged(a, b));
            }
        }
        return events;
    }

    @Test
    void theAllowedTransitionsLeadWhereTheTableSaysAndEveryOtherIsRefused() {
        List<CvmMode> froms = new ArrayList<>(EnumSet.allOf(CvmMode.class));
        froms.add(null);
        List<String> wrong = new ArrayList<>();
        int allowed = 0;
        for (CvmMode from : froms) {
            for (Event event : events()) {
                Optional<Row> row = ALLOWED.stream().filter(r -> r.from() == from && r.event().equals(event)).findFirst();
                Outcome outcome = Lifecycle.next(Optional.ofNullable(from), event);
                if (row.isPresent()) {
                    allowed++;
                    if (!outcome.equals(new Outcome.Next(row.get().to()))) {
                        wrong.add(from + " + " + event + ": expected " + row.get().to() + ", got " + outcome);
                    }
                } else if (!(outcome instanceof Outcome.Refused refused) || refused.reason().isBlank()) {
                    wrong.add(from + " + " + event + ": expected a refusal, got " + outcome);
                }
            }
        }
        assertThat(wrong).isEmpty();
        assertThat(allowed).isEqualTo(ALLOWED.size());
    }

    @Test
    void aRefusalSaysWhatCannotHappenInWhichMode() {
        assertThat(Lifecycle.next(Optional.of(X), new Event.CommandStarted())).isEqualTo(new Outcome.Refused("command started while stopped"));
        assertThat(Lifecycle.next(Optional.of(S), new Event.FileWriteStarted()))
                .isEqualTo(new Outcome.Refused("file write started while in-service"));
        assertThat(Lifecycle.next(Optional.of(X), new Event.Failed())).isEqualTo(new Outcome.Refused("failed while stopped"));
        assertThat(Lifecycle.next(Optional.empty(), new Event.Failed())).isEqualTo(new Outcome.Refused("failure before the CVM existed"));
        assertThat(Lifecycle.next(Optional.of(S), new Event.Stopped(U)))
                .isEqualTo(new Outcome.Refused("stopped from in-update while in-service"));
    }
}
