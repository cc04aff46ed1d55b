-- Probe KL between the finetuned model and its partner along training (milestones), per stage, role and group.
-- param category all
SELECT experiment, stage, role, dataset, step, tokens_seen, train_loss, val_loss, category, kl_model_partner, kl_partner_model
FROM milestones
WHERE category = '${category}'
ORDER BY experiment, stage, role, step
