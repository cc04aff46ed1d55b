package org.specfair.finetune;

import java.io.Serializable;

/**
 * One row of the {@code milestones} table before its keys (experiment, stage, role) are added: the
 * model's state at an optimizer step of one dataset, for one probe group ({@code all}: every probe prompt).
 *
 * @param trainLoss mean training loss over the steps since the previous milestone (null at step 0)
 * @param valLoss   validation loss on the held-out blocks (null without any)
 * @param klModelPartner mean over the group's probe prompts of KL(model || partner) at the next-token position (null without a partner)
 * @param klPartnerModel the same, KL(partner || model)
 */
public record Milestone(String dataset, int step, double epoch, long tokensSeen, Double trainLoss, Double valLoss,
                        String category, Double klModelPartner, Double klPartnerModel) implements Serializable {}
