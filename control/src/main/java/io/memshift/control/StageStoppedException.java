package io.memshift.control;

/**
 * A stage stopped, and {@link FailureDiagnosis} found why: the message names the stage and the cause, and
 * {@link Diagnosis#nextStep} says what to run next.
 */
public class StageStoppedException extends MigrationFailedException {

    private final Diagnosis diagnosis;

    public StageStoppedException(Diagnosis diagnosis, Throwable cause) {
        this(diagnosis, diagnosis.message(), cause);
    }

    /** With a message of its own that the diagnosis is part of (e.g. how many memories are not yet indexed). */
    public StageStoppedException(Diagnosis diagnosis, String message, Throwable cause) {
        super(message, cause);
        this.diagnosis = diagnosis;
    }

    public Diagnosis diagnosis() {
        return diagnosis;
    }
}
