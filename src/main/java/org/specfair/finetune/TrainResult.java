package org.specfair.finetune;

import java.io.Serializable;
import java.util.List;

/** What training one model on one dataset did: steps taken, last losses, and its milestones. */
public record TrainResult(String dataset, int steps, Double finalTrainLoss, Double finalValLoss,
                          List<Milestone> milestones) implements Serializable {}
